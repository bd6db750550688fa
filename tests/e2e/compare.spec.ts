// /compare (issue 17 part 3): three bench runs side by side with verdicts
// and sample charts; wrong selections and non-bench runs are explained.
import { expect, test } from "@playwright/test";
import { hb, hbJson, open, screenshots } from "./env";

/// The seeded store's bench runs at 20000 lines (a baseline and one compared
/// with it; the third measured 40000 lines, so it is not comparable), plus
/// one more at 20000 lines made here: three comparable runs.
let made: string[] | null = null;
function comparable(): string[] {
  if (made) return made;
  hb(["bench", "--iterations", "5", "--runs", "2", "--setting", "lines=20000"], { allowFail: true });
  const runs: any[] = hbJson(["runs", "list", "--kind", "bench", "--component", "example-text-tools", "--limit", "20"])?.runs ?? [];
  made = runs
    .filter((r) => String(r.command ?? "").includes("lines=20000"))
    .map((r) => r.id)
    .reverse();
  return made;
}

function benchRuns(): string[] {
  const list = hbJson(["runs", "list", "--kind", "bench", "--component", "example-text-tools", "--limit", "10"]);
  const runs: any[] = list?.runs ?? [];
  // Oldest first: the baseline is the first.
  return runs.map((r) => r.id).reverse();
}

test("compare three bench runs: the grid with verdicts, the best value and sample charts", async ({ page }) => {
  const ids = comparable();
  expect(ids.length).toBeGreaterThanOrEqual(3);
  await open(page, `/compare?runs=${ids.slice(0, 3).join(",")}`);
  await expect(page.getByRole("heading", { name: "Compare runs" })).toBeVisible();
  const grid = page.getByRole("table");
  await expect(grid).toBeVisible();
  const header = grid.locator("thead th");
  await expect(header).toHaveCount(4);
  for (const [i, id] of ids.slice(0, 3).entries()) {
    await expect(header.nth(i + 1)).toContainText(id.slice(0, 8));
  }
  await expect(header.nth(1)).toContainText("baseline");
  const bodyRows = grid.locator("tbody tr");
  expect(await bodyRows.count()).toBeGreaterThan(0);
  // Runs 2 and 3 carry a change with a verdict; the third run did twice the work.
  await expect(grid.getByText(/^(regressed|improved|unchanged|inconclusive)$/).first()).toBeVisible();
  await expect(grid.getByText(/^[+-]?\d+\.\d %$/).first()).toBeVisible();
  await expect(grid.getByText("best").first()).toBeVisible();
  await expect(page.getByRole("heading", { name: "Samples" })).toBeVisible();
  await expect(page.locator("figure.compare-chart canvas").first()).toBeVisible();
  await screenshots(page, "compare");
});

test("compare explains a wrong count and a run that is not a bench", async ({ page }) => {
  const ids = benchRuns();
  await open(page, `/compare?runs=${ids[0]}`);
  await expect(page.getByRole("alert")).toContainText("2 to 4 runs");
  await expect(page.getByRole("link", { name: /Back to the runs/ })).toBeVisible();

  const task = hbJson(["runs", "list", "--kind", "task", "--limit", "1"])?.runs?.[0]?.id;
  expect(task).toBeTruthy();
  await page.goto(`/compare?runs=${ids[0]},${task}`);
  const alert = page.getByRole("alert");
  await expect(alert).toBeVisible();
  await expect(alert).toContainText("bench");
  await expect(page.getByRole("link", { name: /Back to the runs/ })).toBeVisible();

  // The seeded runs at 20000 and 40000 lines were measured differently.
  const all = benchRuns();
  await page.goto(`/compare?runs=${all.join(",")}`);
  await expect(page.getByRole("alert")).toContainText("not comparable");

  await page.goto(`/compare?runs=${ids[0]},ffffffffdead`);
  await expect(page.getByRole("alert")).toContainText(/not_found|no run/);
  await screenshots(page, "compare-error");
});
