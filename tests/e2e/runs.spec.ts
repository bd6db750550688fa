// /runs (issue 17 part 1): kind chips kept across a reload, keyset paging
// forward and back, a CLI run appearing live, Cancel from the table, the
// Compare picker's limits, the narrow layout, screenshots, and the time to
// the first rows (recorded, not asserted).
import { expect, test, type Page } from "@playwright/test";
import { hb, open, screenshots } from "./env";

const table = (page: Page) => page.getByRole("table");
const rows = (page: Page) => table(page).locator("tbody tr");
const chip = (page: Page, name: string) => page.getByRole("group", { name: "Kind of run" }).getByRole("button", { name, exact: true });

async function ids(page: Page): Promise<string[]> {
  return rows(page).locator("td.runs-id a").allTextContents();
}

test("the selected kind chip is kept across a reload; Bench for a fresh browser", async ({ page }) => {
  await open(page, "/runs");
  await expect(chip(page, "Bench")).toHaveAttribute("aria-pressed", "true");
  await expect(rows(page).first().getByRole("cell").nth(1)).toHaveText(/bench/);
  // The seeded store's bench runs (compare.spec.ts may add one).
  expect(await rows(page).count()).toBeGreaterThanOrEqual(3);
  await expect(rows(page).filter({ hasText: "line-count" })).toHaveCount(0);

  await chip(page, "Task").click();
  await expect(chip(page, "Task")).toHaveAttribute("aria-pressed", "true");
  await expect(rows(page).first().getByRole("cell").nth(1)).toHaveText("task");
  await page.reload();
  await expect(chip(page, "Task")).toHaveAttribute("aria-pressed", "true");
  await expect(chip(page, "Bench")).toHaveAttribute("aria-pressed", "false");
  await expect(rows(page).first().getByRole("cell").nth(1)).toHaveText("task");
  await chip(page, "Bench").click();
});

test("the table pages by the API's cursor, forward and back", async ({ page }) => {
  await open(page, "/runs");
  await chip(page, "All activity").click();
  await expect(rows(page)).toHaveCount(25);
  const first = await ids(page);
  await expect(page.getByText("Page 1", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Older →" }).click();
  await expect(page.getByText("Page 2", { exact: true })).toBeVisible();
  await expect.poll(async () => (await ids(page))[0]).not.toBe(first[0]);
  const second = await ids(page);
  expect(second.length).toBeGreaterThan(0);
  for (const id of second) expect(first).not.toContain(id);
  await page.getByRole("button", { name: "← Newer" }).click();
  await expect(page.getByText("Page 1", { exact: true })).toBeVisible();
  await expect.poll(() => ids(page)).toEqual(first);
  await expect(page.getByRole("button", { name: "← Newer" })).toBeDisabled();
  await chip(page, "Bench").click();
});

test("filters live in the address and are read back from it", async ({ page }) => {
  await open(page, "/runs?status=failed");
  await chip(page, "All activity").click();
  await expect(page.getByLabel("Status")).toHaveValue("failed");
  await expect(rows(page).filter({ hasText: "fails" })).toHaveCount(1);
  await expect(rows(page).filter({ hasText: "line-count" })).toHaveCount(0);
  await expect(rows(page).getByText("Failed").first()).toBeVisible();
  await page.getByLabel("Status").selectOption("succeeded");
  await expect(page).toHaveURL(/status=succeeded/);
  await expect(rows(page).filter({ hasText: "fails" })).toHaveCount(0);
  await expect(rows(page).getByText("Succeeded").first()).toBeVisible();
  await expect(rows(page).getByText("Failed")).toHaveCount(0);
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page).not.toHaveURL(/status=/);
  await chip(page, "Bench").click();
});

test("a run submitted with the CLI appears live and its status pill turns Succeeded", async ({ page }) => {
  await open(page, "/runs");
  await chip(page, "Task").click();
  await expect(rows(page).first()).toBeVisible();
  const before = await rows(page).filter({ hasText: "live-x" }).count();
  expect(before).toBe(0);
  const id = hb(["runs", "submit", "--name", "live-x", "--", "sleep", "3"]).trim();
  const row = rows(page).filter({ hasText: "live-x" });
  await expect(row).toHaveCount(1, { timeout: 15_000 });
  await expect(row.locator("td.runs-id a")).toHaveText(id.slice(0, 8));
  await expect(row.getByText(/Queued|Running/)).toBeVisible();
  await expect(row.getByText("Succeeded")).toBeVisible({ timeout: 30_000 });
  await chip(page, "Bench").click();
});

test("Cancel from the table stops a running run", async ({ page }) => {
  await open(page, "/runs");
  await chip(page, "Task").click();
  await expect(rows(page).first()).toBeVisible();
  const id = hb(["runs", "submit", "--name", "cancel-me", "--", "sleep", "60"]).trim();
  const row = rows(page).filter({ hasText: "cancel-me" });
  await expect(row).toHaveCount(1, { timeout: 15_000 });
  await expect(row.locator("td.runs-id a")).toHaveText(id.slice(0, 8));
  await row.getByRole("button", { name: /^Cancel run/ }).click();
  await expect(row.getByText("Cancelled")).toBeVisible({ timeout: 30_000 });
  await expect(row.getByRole("button", { name: /^Cancel run/ })).toHaveCount(0);
  await chip(page, "Bench").click();
});

test("Cancel without the token says how to get one", async ({ page }) => {
  await open(page, "/runs");
  await chip(page, "Task").click();
  await expect(rows(page).first()).toBeVisible();
  hb(["runs", "submit", "--name", "no-token", "--", "sleep", "30"]);
  const row = rows(page).filter({ hasText: "no-token" });
  await expect(row).toHaveCount(1, { timeout: 15_000 });
  await page.evaluate(() => localStorage.removeItem("homeboy.token"));
  await row.getByRole("button", { name: /^Cancel run/ }).click();
  const alert = page.getByRole("alert").filter({ hasText: "auth." });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText("daemon.token");
  // Tidy up: the CLI cancels it.
  const id = (await row.locator("td.runs-id a").getAttribute("title")) ?? "";
  hb(["runs", "cancel", id], { allowFail: true });
  await expect(row.getByText("Cancelled")).toBeVisible({ timeout: 30_000 });
  await chip(page, "Bench").click();
});

test("the Compare button says why it is disabled with 1 or 5 runs, and opens /compare with 2 to 4", async ({ page }) => {
  await open(page, "/runs");
  await chip(page, "All activity").click();
  await expect(rows(page)).toHaveCount(25);
  await page.getByRole("button", { name: "Compare…" }).click();
  const go = page.getByRole("button", { name: "Compare selected" });
  await expect(go).toBeDisabled();
  const boxes = rows(page).getByRole("checkbox");
  await boxes.nth(0).check();
  await expect(go).toBeDisabled();
  await expect(page.getByText("Pick 2 to 4 runs to compare (1 selected)")).toBeVisible();
  for (let i = 1; i < 5; i++) await boxes.nth(i).check();
  await expect(go).toBeDisabled();
  await expect(page.getByText(/Pick 2 to 4 runs to compare: 5 selected is too many/)).toBeVisible();
  await boxes.nth(4).uncheck();
  await expect(go).toBeEnabled();
  await go.click();
  await expect(page).toHaveURL(/\/compare\?runs=[^,]+,[^,]+,[^,]+,[^,]+$/);
  await page.goto("/runs");
  await chip(page, "Bench").click();
});

test("the narrow layout hides the non-critical columns; screenshots of /runs", async ({ page }) => {
  await open(page, "/runs");
  await chip(page, "All activity").click();
  await expect(rows(page).first()).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "Runner" })).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  for (const name of ["Runner", "Rig", "Duration", "Verdicts", "Command", "Started"]) {
    await expect(page.getByRole("columnheader", { name, exact: true })).toBeHidden();
  }
  for (const name of ["ID", "Scope", "Status"]) {
    await expect(page.getByRole("columnheader", { name, exact: true })).toBeVisible();
  }
  // What the hidden Command and Started columns said moves under the scope and the status.
  await expect(rows(page).first().getByText(/ago|just now/).filter({ visible: true })).toHaveCount(1);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 800 });
  await chip(page, "Bench").click();
  await expect(rows(page).filter({ hasText: "line-count" })).toHaveCount(0);
  await expect(rows(page).getByText(/regressed|unchanged|improved|inconclusive/).first()).toBeVisible();
  await screenshots(page, "runs");
  await chip(page, "All activity").click();
  await expect(rows(page)).toHaveCount(25);
  await screenshots(page, "runs-all");
  await chip(page, "Bench").click();
});

test("a kind with no runs says which command makes one", async ({ page }) => {
  await open(page, "/runs");
  await chip(page, "Scheduled").click();
  await expect(page.getByText(/No scheduled runs yet/)).toBeVisible();
  await expect(page.getByText("homeboy schedule add")).toBeVisible();
  await chip(page, "Bench").click();
});

test("time to the first rows after navigation (recorded)", async ({ page }) => {
  await open(page, "/runs");
  await expect(rows(page).first()).toBeVisible();
  await page.goto("about:blank");
  await page.goto("/runs");
  await expect(rows(page).first()).toBeVisible();
  const ms = await page.evaluate(() => {
    const m = performance.getEntriesByName("homeboy.runs.first-rows")[0];
    return Math.round(m ? m.startTime : performance.now());
  });
  console.log(`PERF runs_first_rows_ms=${ms}`);
});

test("every row opens its run: the ID link and a click anywhere on the row", async ({ page }) => {
  await open(page, "/runs");
  await expect(rows(page).first()).toBeVisible();
  const link = rows(page).first().getByRole("link");
  const id = (await link.getAttribute("title")) ?? "";
  await rows(page).first().getByRole("cell").nth(2).click();
  await expect(page).toHaveURL(new RegExp(`/runs/${id}$`));
  await page.goBack();
  await expect(page).toHaveURL(/\/runs$/);
  await rows(page).first().getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/runs/${id}$`));
});
