// Text from runs is rendered as text everywhere: a run named
// `<img src=x onerror=...>` with that text in a label and its log shows the
// characters and runs nothing (global-setup.ts seeds it).
import { expect, test } from "@playwright/test";
import { hbJson, open } from "./env";

const XSS = `<img src=x onerror="window.__xss=1">`;

function hostileRun(): string {
  const runs = hbJson(["runs", "list", "--kind", "task", "--limit", "100"]).runs;
  const row = runs.find((r: any) => String(r.command ?? "").includes("__xss"));
  if (!row) throw new Error("the seeded hostile run is missing");
  return row.id;
}

test("a hostile run name, label and log line are shown as text in the table", async ({ page }) => {
  await page.addInitScript(() => localStorage.setItem("homeboy.runs.chip", "task"));
  await open(page, "/runs?kind=task");
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  expect(await page.locator("img[src=x]").count()).toBe(0);
});

test("a hostile run's detail page shows its name, label and logs as text", async ({ page }) => {
  const id = hostileRun();
  await open(page, `/runs/${id}`);
  await expect(page.getByText("window.__xss=2", { exact: false }).first()).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  expect(await page.locator("img[src=x]").count()).toBe(0);
  expect(await page.locator("main script").count()).toBe(0);
  await expect(page.getByText(XSS, { exact: false }).first()).toBeVisible();
});
