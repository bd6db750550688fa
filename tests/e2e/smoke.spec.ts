// The frame every page shares: served by the daemon with its CSP, the
// navigation, an unknown address.
import { expect, test } from "@playwright/test";
import { open } from "./env";

test("the Studio is served with a Content-Security-Policy without unsafe-inline", async ({ page }) => {
  const response = await page.goto("/runs");
  expect(response?.status()).toBe(200);
  const csp = response?.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
});

test("an address the Studio does not have says so", async ({ page }) => {
  const response = await page.goto("/nowhere");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("the token in the address is kept and removed from the address bar", async ({ page }) => {
  await open(page, "/runs");
  await expect(page).toHaveURL(/\/runs$/);
  const kept = await page.evaluate(() => localStorage.getItem("homeboy.token"));
  expect(kept).toMatch(/^[0-9a-f]{64}$/);
});
