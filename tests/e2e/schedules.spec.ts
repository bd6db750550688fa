// /schedules: add a schedule with the cron helper's next five firings, see
// it fire, pause, resume and remove it (after a confirm step).
import { expect, test } from "@playwright/test";
import { open, screenshots, state } from "./env";

test("the cron helper shows the next five firings, or the API's message", async ({ page }) => {
  await open(page, "/schedules");
  await expect(page.getByRole("heading", { name: "Schedules", level: 1 })).toBeVisible();
  const form = page.getByRole("form", { name: "Add a schedule" });
  await form.getByLabel("Cron").fill("61 * * * *");
  await expect(page.getByTestId("cron-helper")).toContainText("out of range");
  await form.getByLabel("Cron").fill("0 3 * * *");
  const firings = page.getByRole("list", { name: "Next firings" }).getByRole("listitem");
  await expect(firings).toHaveCount(5);
});

test("a schedule added every minute fires, and links to its runs", async ({ page, request }) => {
  test.setTimeout(120_000);
  const s = state();
  await open(page, "/schedules");
  const form = page.getByRole("form", { name: "Add a schedule" });
  await form.getByLabel("Name").fill("e2e-every-minute");
  await form.getByLabel("Cron").fill("* * * * *");
  await expect(page.getByRole("list", { name: "Next firings" }).getByRole("listitem")).toHaveCount(5);
  await form.getByLabel("Command").fill("echo 'scheduled hello'");
  await form.getByLabel("Working directory").fill(s.project);
  await form.getByRole("button", { name: "Add schedule" }).click();

  const card = page.getByRole("article", { name: "e2e-every-minute" });
  await expect(card).toBeVisible();
  await expect(card.getByText("Active")).toBeVisible();
  await expect(card.getByRole("list", { name: "Next firings of e2e-every-minute" }).getByRole("listitem")).toHaveCount(5);
  await expect(card.getByTestId("latest-slot")).toContainText("has not fired yet");

  // The daemon fires the next minute's slot; the page follows its events.
  const runLink = card.getByRole("link", { name: /^run / });
  await expect(runLink).toBeVisible({ timeout: 90_000 });
  await expect(card.getByTestId("latest-slot")).toHaveText(/^fired /);
  await screenshots(page, "schedules");
  await expect(card.getByRole("link", { name: "Scheduled runs" })).toHaveAttribute("href", "/runs?kind=schedule");
  await runLink.click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]+$/);
  // It would go on firing every minute under the other tests.
  const removed = await request.delete("/api/v1/schedules/e2e-every-minute", { headers: { Authorization: `Bearer ${s.token}` } });
  expect(removed.ok()).toBe(true);
});

test("pause, resume and remove a schedule", async ({ page }) => {
  const s = state();
  await open(page, "/schedules");
  const form = page.getByRole("form", { name: "Add a schedule" });
  await form.getByLabel("Name").fill("e2e-nightly");
  await form.getByLabel("Cron").fill("0 3 * * *");
  await form.getByLabel("Command").fill("true");
  await form.getByLabel("Working directory").fill(s.project);
  await form.getByRole("button", { name: "Add schedule" }).click();
  const card = page.getByRole("article", { name: "e2e-nightly" });
  await expect(card.getByText("Active")).toBeVisible();

  await card.getByRole("button", { name: "Pause" }).click();
  await expect(card.getByText("Paused", { exact: true })).toBeVisible();
  await expect(card.getByText("nothing fires until it is resumed")).toBeVisible();
  await card.getByRole("button", { name: "Resume" }).click();
  await expect(card.getByText("Active")).toBeVisible();
  await expect(card.getByRole("list", { name: "Next firings of e2e-nightly" }).getByRole("listitem")).toHaveCount(5);

  // Remove asks first; "Keep it" keeps it.
  await card.getByRole("button", { name: "Remove…" }).click();
  await card.getByRole("button", { name: "Keep it" }).click();
  await expect(card).toBeVisible();
  await card.getByRole("button", { name: "Remove…" }).click();
  await expect(card.getByText("Remove e2e-nightly? Its runs stay.")).toBeVisible();
  await card.getByRole("button", { name: "Yes, remove" }).click();
  await expect(page.getByRole("article", { name: "e2e-nightly" })).toHaveCount(0);
});

test("adding a schedule whose name is taken shows the API's message and keeps the form", async ({ page }) => {
  const s = state();
  await open(page, "/schedules");
  const form = page.getByRole("form", { name: "Add a schedule" });
  for (let i = 0; i < 2; i++) {
    await form.getByLabel("Name").fill("e2e-twice");
    await form.getByLabel("Cron").fill("@daily");
    await form.getByLabel("Command").fill("true");
    await form.getByLabel("Working directory").fill(s.project);
    await form.getByRole("button", { name: "Add schedule" }).click();
    if (i === 0) await expect(page.getByRole("article", { name: "e2e-twice" })).toBeVisible();
  }
  await expect(form.getByRole("alert")).toBeVisible();
  await expect(form.getByLabel("Name")).toHaveValue("e2e-twice");
  // Clean up.
  const card = page.getByRole("article", { name: "e2e-twice" });
  await card.getByRole("button", { name: "Remove…" }).click();
  await card.getByRole("button", { name: "Yes, remove" }).click();
  await expect(card).toHaveCount(0);
});
