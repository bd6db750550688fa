// An axe-core accessibility check of every page: no serious or critical
// violation. The pages are loaded as a person would open them; the check
// runs with the page's CSP bypassed only so axe's script can be injected.
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { hbJson, open } from "./env";

test.use({ bypassCSP: true });

function latest(kind: string): string {
  return hbJson(["runs", "list", "--kind", kind, "--limit", "1"]).runs[0].id;
}

const pages: Array<[string, () => string]> = [
  ["runs", () => "/runs"],
  ["bench run", () => `/runs/${latest("bench")}`],
  ["task run", () => `/runs/${latest("task")}`],
  ["compare", () => {
    const ids = hbJson(["runs", "list", "--kind", "bench", "--limit", "3"]).runs.map((r: any) => r.id);
    return `/compare?runs=${ids.join(",")}`;
  }],
  ["new run", () => "/runs/new"],
  ["schedules", () => "/schedules"],
  ["help", () => "/help"],
  ["not found", () => "/nowhere"],
];

for (const [name, where] of pages) {
  test(`the ${name} page has no serious accessibility violation`, async ({ page }) => {
    await open(page, where());
    await expect(page.locator("main")).toBeVisible();
    // Let data-driven content arrive before the check.
    await page.waitForLoadState("networkidle");
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(
      serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length}×, e.g. ${v.nodes[0]?.target.join(" ")})`),
    ).toEqual([]);
  });
}
