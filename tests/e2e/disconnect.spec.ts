// The daemon going away while a page is open: the page says so
// ("disconnected, retrying") and recovers by itself when the daemon is back.
// The test stops the suite's daemon and starts it again on the same address.
import { expect, test } from "@playwright/test";
import { hb, open, state } from "./env";

test("a page shows that the daemon went away and recovers when it is back", async ({ page }) => {
  test.setTimeout(90_000);
  const listen = new URL(state().url).host;
  await open(page, "/runs");
  await expect(page.locator("main table tbody tr").first()).toBeVisible();
  await expect(page.getByTestId("disconnected")).toHaveCount(0);
  hb(["daemon", "stop"]);
  try {
    await expect(page.getByTestId("disconnected")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId("disconnected")).toContainText("retrying");
  } finally {
    hb(["daemon", "start", "--listen", listen]);
  }
  await expect(page.getByTestId("disconnected")).toHaveCount(0, { timeout: 30_000 });
  // Live again: a run submitted now appears without a reload.
  await page.getByRole("button", { name: "All activity" }).click();
  hb(["runs", "submit", "--name", "after-the-outage", "--", "true"]);
  await expect(page.getByText("after-the-outage")).toBeVisible({ timeout: 30_000 });
});
