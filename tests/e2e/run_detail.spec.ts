// /runs/:id (issue 17 part 2): a bench run's metrics with verdicts, its
// samples and history charts; a task run's logs; a live run's log lines
// arriving and its status settling; Cancel from the live card; hostile text
// shown as text; an unknown id; an artifact preview; screenshots; the time
// to the header (recorded, not asserted).
import { expect, test, type Page } from "@playwright/test";
import { hb, hbJson, open, screenshots, state } from "./env";

function runs(kind: string): any[] {
  return hbJson(["runs", "list", "--kind", kind, "--limit", "100"])?.runs ?? [];
}

/// The seeded bench that did twice the work (global-setup.ts): other tests
/// record benches of their own, so "the latest" would depend on their order.
function latestBench(): any {
  const hit = runs("bench").find((r) => String(r.command ?? "").includes("lines=40000"));
  if (!hit) throw new Error("the seeded regression bench (lines=40000) is missing");
  return hit;
}

function taskNamed(name: string): any {
  const all = runs("task");
  const hit = all.find((r) => r.summary?.name === name || r.metadata?.name === name || r.name === name);
  if (hit) return hit;
  // The list's rows may not carry the name: read the detail of each.
  for (const r of all) {
    const d = hbJson(["runs", "show", r.id]);
    if ((d?.run ?? d)?.metadata?.name === name) return r;
  }
  throw new Error(`no task run named ${name}`);
}

const header = (page: Page) => page.getByRole("heading", { level: 1 });
const pill = (page: Page) => page.locator(".detail-header .pill");

test("a bench run shows every metric with its verdict, a samples chart and the history", async ({ page }) => {
  const run = latestBench();
  // From navigation to the header (not to the load event `open` waits for),
  // in a browser that has opened the Studio before (as a person would).
  await open(page, "/runs");
  const t0 = Date.now();
  await page.goto(`/runs/${run.id}#token=${state().token}`, { waitUntil: "commit" });
  await expect(header(page)).toContainText(run.id.slice(0, 8));
  console.log(`PERF run_detail_ms=${Date.now() - t0}`);

  await expect(pill(page)).toHaveText(/Failed|Needs review/);
  const metrics = page.getByRole("region", { name: "Metrics" });
  await expect(metrics).toBeVisible();
  await expect(metrics.getByRole("link", { name: /^[0-9a-f]{8}$/ }).first()).toBeVisible(); // the baseline run
  const table = metrics.locator("table.detail-metrics").first();
  await expect(table.locator("tbody tr").first()).toBeVisible();
  // Each scenario's verdict as the bench recorded it (regressed or, on a
  // noisy machine, inconclusive), in its verdict-* colour.
  const verdicts: Record<string, string> = hbJson(["runs", "show", run.id])?.run?.metadata?.verdicts ?? {};
  expect(Object.keys(verdicts).length).toBeGreaterThan(0);
  for (const [scenario, verdict] of Object.entries(verdicts)) {
    const heading = metrics.getByRole("heading", { name: new RegExp(`^${scenario} `) });
    await expect(heading.locator(`.verdict-${verdict}`)).toHaveText(verdict);
  }
  await expect(metrics.locator("td .verdict-regressed, td .verdict-inconclusive, td .verdict-improved, td .verdict-unchanged").first()).toBeVisible();
  await expect(table.locator("tbody tr").first().locator("td").first()).not.toHaveText(/^[—…]$/);

  const figure = metrics.getByRole("figure").first();
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator("canvas").first()).toBeVisible();
  await expect(figure.getByRole("img", { name: /samples/ })).toBeVisible();
  await expect(figure.getByRole("img", { name: /History of/ })).toBeVisible();
  // The three seeded benches at least (other tests may have added theirs).
  await expect(figure.getByTestId("history-summary")).toContainText(/\b([3-9]|\d{2,}) runs, oldest first/);
  await screenshots(page, "run-detail-bench");
});

test("charts below the fold wait until they are scrolled to or asked for", async ({ page }) => {
  const run = latestBench();
  await open(page, `/runs/${run.id}`);
  const metrics = page.getByRole("region", { name: "Metrics" });
  const buttons = metrics.getByRole("button", { name: /^Show chart:/ });
  await expect(metrics.locator("table.detail-metrics").first()).toBeVisible();
  const waiting = await buttons.count();
  test.info().annotations.push({ type: "charts waiting", description: String(waiting) });
  expect(waiting).toBeGreaterThan(0); // the lower scenarios' charts are not made yet
  // Asked for without scrolling: a real click would first scroll the button
  // into view, where the placeholder makes its chart by itself (and the
  // button it aimed at is gone before the click lands).
  await buttons.last().dispatchEvent("click");
  await expect.poll(() => buttons.count()).toBeLessThan(waiting);
  await expect.poll(() => metrics.locator("canvas").count()).toBeGreaterThan(0);
});

test("a task run shows its logs", async ({ page }) => {
  const run = taskNamed("fails");
  await open(page, `/runs/${run.id}`);
  await expect(pill(page)).toHaveText("Failed");
  const log = page.getByTestId("log");
  await expect(log).toContainText("about to fail");
  await expect(log.locator("[data-stream=stderr]")).toContainText("about to fail");
  await expect(page.getByRole("region", { name: "Events" })).toContainText("status");
  await screenshots(page, "run-detail-task");
});

test("a live run shows its log lines as they arrive, then Succeeded", async ({ page }) => {
  const id = hb(["runs", "submit", "--name", "live-detail", "--", "sh", "-c", "for i in 1 2 3 4 5; do echo line-$i; sleep 1; done"]).trim();
  await open(page, `/runs/${id}`);
  const live = page.getByRole("region", { name: "In progress" });
  await expect(live).toBeVisible();
  await expect(page.getByTestId("log")).toContainText("line-2", { timeout: 20_000 });
  hb(["runs", "heartbeat", id, "--message", "halfway there"]);
  await expect(live).toContainText("Latest: halfway there");
  await screenshots(page, "run-detail-live");
  await expect(pill(page)).toHaveText("Succeeded", { timeout: 30_000 });
  await expect(live).toHaveCount(0);
  for (const n of [1, 2, 3, 4, 5]) await expect(page.getByTestId("log")).toContainText(`line-${n}`);
});

test("Cancel on the live card stops the run", async ({ page }) => {
  const id = hb(["runs", "submit", "--name", "detail-cancel", "--", "sleep", "60"]).trim();
  await open(page, `/runs/${id}`);
  const live = page.getByRole("region", { name: "In progress" });
  await expect(live).toBeVisible();
  await live.getByRole("button", { name: "Cancel" }).click();
  await expect(pill(page)).toHaveText("Cancelled", { timeout: 30_000 });
  await expect(live).toHaveCount(0);
});

test("a run's hostile name, label and log lines are shown as text and run nothing", async ({ page }) => {
  const XSS = `<img src=x onerror="window.__xss=1">`;
  const run = taskNamed(XSS);
  await open(page, `/runs/${run.id}`);
  await expect(page.locator(".detail-name")).toHaveText(XSS);
  await expect(page.locator(".detail-label")).toContainText(`note=${XSS}`);
  const log = page.getByTestId("log");
  await expect(log).toContainText(XSS);
  await expect(log).toContainText("<script>window.__xss=2</script>");
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  expect(await page.locator("img[src=x]").count()).toBe(0);
});

test("an unknown run id gets a clear page with a way back", async ({ page }) => {
  await open(page, "/runs/ffffffffdeadbeef");
  await expect(page.getByRole("heading", { name: /No run/ })).toContainText("ffffffffdeadbeef");
  await page.getByRole("link", { name: "Back to the runs" }).click();
  await expect(page).toHaveURL(/\/runs$/);
});

test("a JSON artifact is previewed, pretty-printed, on demand", async ({ page }) => {
  const run = latestBench();
  await open(page, `/runs/${run.id}`);
  const section = page.getByRole("region", { name: /Artifacts/ });
  const preview = section.getByRole("button", { name: /^Preview .*results/i }).first();
  await preview.scrollIntoViewIfNeeded();
  await preview.click();
  const pre = section.getByTestId("artifact-preview");
  await expect(pre).toBeVisible();
  await expect(pre).toContainText("{\n  \"");
  await expect(section.getByRole("link", { name: /^Download / }).first()).toHaveAttribute("href", new RegExp(`/api/v1/runs/${run.id}/artifacts/`));
  await section.getByRole("button", { name: /^Hide / }).first().click();
  await expect(pre).toHaveCount(0);
});

test("Retain and Promote answer; Replay opens the new run", async ({ page }) => {
  const run = taskNamed("line-count");
  await open(page, `/runs/${run.id}`);
  const actions = page.getByRole("region", { name: "Actions" });
  await actions.getByRole("button", { name: "Retain 30 days" }).click();
  await expect(actions.getByRole("status").or(actions.getByRole("alert"))).toBeVisible();
  await actions.getByRole("button", { name: "Replay" }).click();
  await expect(page).not.toHaveURL(new RegExp(`/runs/${run.id}$`));
  await expect(header(page)).toBeVisible();
  await expect(page.locator(".detail-name")).toHaveText("line-count");
});

test("without a token the actions say how to get one", async ({ page }) => {
  const run = taskNamed("line-count");
  await page.goto(`/runs/${run.id}`);
  await page.evaluate(() => localStorage.removeItem("homeboy.token"));
  await page.reload();
  const actions = page.getByRole("region", { name: "Actions" });
  await actions.getByRole("button", { name: "Promote" }).click();
  await expect(actions.getByRole("alert")).toContainText("homeboy daemon status");
});
