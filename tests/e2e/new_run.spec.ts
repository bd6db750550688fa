// /runs/new: the bench form from a rig chip to the live /runs/new-:jobId
// page to the bench run's /runs/:id; an API error on submit keeps the input;
// the task form runs a command and lands on its run.
import { expect, test } from "@playwright/test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { hb, open, screenshots, state } from "./env";

const RIG = "e2e-text-rig";

test.beforeAll(() => {
  // The seeded store has no registered component and no rig: register the
  // example component (the form offers registered ones) and a rig with it.
  const s = state();
  hb(["component", "create", "--local-path", s.project], { allowFail: true });
  const dir = path.join(s.home, ".config/homeboy/rigs");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${RIG}.json`),
    JSON.stringify({ description: "the e2e rig", components: { "example-text-tools": { path: s.project } } }, null, 2),
  );
});

test.afterAll(() => {
  rmSync(path.join(state().home, ".config/homeboy/rigs", `${RIG}.json`), { force: true });
});

test("the scope tree: ticking narrows, unticking widens back", async ({ page }) => {
  await open(page, "/runs/new");
  await expect(page.getByLabel("Component")).toHaveValue("example-text-tools");
  const tree = page.getByRole("list", { name: "Scenarios and metrics" });
  const scenario = tree.getByRole("checkbox").first();
  const scenarioName = (await tree.locator("li").first().locator(".mono").first().textContent())!;
  await scenario.check();
  await expect(page.getByRole("paragraph").filter({ hasText: /^Scope:/ })).toContainText(`${scenarioName} (all metrics)`);
  const metrics = page.getByRole("list", { name: `Metrics of ${scenarioName}` }).getByRole("checkbox");
  const metricName = (await page.getByRole("list", { name: `Metrics of ${scenarioName}` }).locator(".mono").first().textContent())!;
  await metrics.first().check();
  await expect(page.getByRole("paragraph").filter({ hasText: /^Scope:/ })).toContainText(`${scenarioName} (${metricName})`);
  await metrics.first().uncheck();
  await expect(page.getByRole("paragraph").filter({ hasText: /^Scope:/ })).toContainText(`${scenarioName} (all metrics)`);
  await scenario.uncheck();
  await expect(page.getByRole("paragraph").filter({ hasText: /^Scope:/ })).toContainText("Everything");
});

test("the bench form: rig chip, the only component picked, Quick, the live page, then the bench run", async ({ page, request }) => {
  test.setTimeout(150_000);
  await open(page, "/runs/new");
  await expect(page.getByRole("heading", { name: "New run" })).toBeVisible();
  const chip = page.getByRole("button", { name: RIG });
  await expect(chip).toHaveAttribute("aria-pressed", "false");
  await chip.click();
  await expect(chip).toHaveAttribute("aria-pressed", "true");
  // The rig has one component: it is picked.
  await expect(page.getByLabel("Component")).toHaveValue("example-text-tools");
  // The scope tree: nothing ticked is everything.
  await expect(page.getByRole("paragraph").filter({ hasText: /^Scope:/ })).toContainText("Everything");
  await page.getByRole("radio", { name: /Standard/ }).click();
  await expect(page.getByLabel("Iterations")).toHaveValue("10");
  await page.getByRole("radio", { name: /Quick/ }).click();
  await expect(page.getByLabel("Iterations")).toHaveValue("5");
  await expect(page.getByLabel("Runs", { exact: true })).toHaveValue("1");
  await screenshots(page, "new-run");

  // A run ahead in the queue (the daemon runs one at a time) keeps the
  // bench job queued for a few seconds, so its live page can be seen.
  hb(["runs", "submit", "--name", "e2e-ahead", "--", "sleep", "5"]);
  await page.getByRole("button", { name: "Start bench" }).click();
  // The live page of the job, then the bench run's own page.
  await expect(page.getByRole("heading", { name: /Bench job/ })).toBeVisible();
  await expect(page).toHaveURL(/\/runs\/new-[0-9a-f-]+/);
  const jobId = decodeURIComponent(page.url().match(/\/runs\/new-([^/?#]+)/)![1]);
  await expect(page.getByText("Queued", { exact: true })).toBeVisible();
  await screenshots(page, "new-run-live");
  await expect(page).toHaveURL(/\/runs\/(?!new-)[0-9a-f-]+$/, { timeout: 120_000 });
  const runId = decodeURIComponent(page.url().match(/\/runs\/([^/?#]+)$/)![1]);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Not found" })).toHaveCount(0);
  // The page it became is the bench run the job recorded, pinned to the rig.
  const run = (await (await request.get(`/api/v1/runs/${runId}`)).json()).run;
  expect(run.kind).toBe("bench");
  expect(JSON.stringify(run)).toContain(jobId);
  // Back goes to the form, not to the finished live page.
  await page.goBack();
  await expect(page).toHaveURL(/\/runs\/new$/);
});

test("a queued bench job is cancelled from its live page", async ({ page }) => {
  // A long run ahead keeps the job queued (the daemon runs one at a time).
  const ahead = hb(["runs", "submit", "--name", "e2e-ahead-long", "--", "sleep", "60"]).trim();
  try {
    await open(page, "/runs/new");
    await page.getByRole("radio", { name: /Quick/ }).click();
    await page.getByRole("button", { name: "Start bench" }).click();
    await expect(page).toHaveURL(/\/runs\/new-[0-9a-f-]+/);
    await expect(page.getByText("Queued", { exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByText("Cancelled", { exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Cancel" })).toHaveCount(0);
    await expect(page).toHaveURL(/\/runs\/new-[0-9a-f-]+/); // no bench run was made
  } finally {
    hb(["runs", "cancel", ahead], { allowFail: true });
  }
});

test("an API error on submit keeps the input and shows the message", async ({ page }) => {
  await open(page, "/runs/new");
  await page.evaluate(() => localStorage.removeItem("homeboy.token"));
  await expect(page.getByLabel("Component")).toHaveValue("example-text-tools");
  await page.getByRole("radio", { name: /Thorough/ }).click();
  await page.getByLabel("Save as baseline").check();
  await page.getByRole("button", { name: "Start bench" }).click();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("auth.missing_token");
  await expect(alert).toContainText("homeboy daemon status");
  await expect(page).toHaveURL(/\/runs\/new$/);
  await expect(page.getByLabel("Iterations")).toHaveValue("20");
  await expect(page.getByLabel("Save as baseline")).toBeChecked();

  // The task form too.
  await page.getByLabel("Command").fill("echo kept");
  await page.getByRole("button", { name: "Run task" }).click();
  await expect(page.getByRole("alert").nth(1)).toContainText("auth.missing_token");
  await expect(page.getByLabel("Command")).toHaveValue("echo kept");
});

test("the task form runs `echo hi` and lands on its run", async ({ page, request }) => {
  const s = state();
  await open(page, "/runs/new");
  await page.getByLabel("Command").fill("echo 'hi there'");
  await expect(page.getByRole("list", { name: "Arguments" })).toContainText("hi there");
  await page.getByLabel("Working directory").fill(s.project);
  await page.getByLabel("Name (optional)").fill("e2e-echo");
  await page.getByLabel("Timeout (optional)").fill("1m");
  await page.getByRole("button", { name: "Run task" }).click();
  await expect(page).toHaveURL(/\/runs\/(?!new-)[0-9a-f-]+$/);
  const runId = decodeURIComponent(page.url().match(/\/runs\/([^/?#]+)$/)![1]);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const run = (await (await request.get(`/api/v1/runs/${runId}`)).json()).run;
  expect(JSON.stringify(run)).toContain("e2e-echo");
  expect(JSON.stringify(run)).toContain("hi there");
});

test("a bench job that fails before recording a run shows its status, the error and its log", async ({ page, request }) => {
  const s = state();
  // A scenario the component does not have: the job's bench refuses it.
  const res = await request.post("/api/v1/bench", {
    headers: { Authorization: `Bearer ${s.token}` },
    data: { component: "example-text-tools", scenarios: ["no-such-scenario"], iterations: 5, runs: 1 },
  });
  expect(res.status()).toBe(201);
  const job = await res.json();
  await open(page, `/runs/new-${job.run_id}`);
  await expect(page.getByText("Failed", { exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("alert")).toContainText("before it recorded a bench run");
  await expect(page.getByLabel("Job log")).toContainText("unknown scenario no-such-scenario");
  await expect(page).toHaveURL(new RegExp(`/runs/new-${job.run_id}$`));
  await page.getByRole("link", { name: "Open the job's page" }).click();
  await expect(page).toHaveURL(new RegExp(`/runs/${job.run_id}$`));
});
