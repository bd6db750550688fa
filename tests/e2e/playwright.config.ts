// The Studio's browser tests (docs/studio.md "Tests"): Playwright driving
// Debian's chromium (no browser download) against a real daemon over a
// seeded store that global-setup.ts makes in a temporary HOME. Run by
// ctest (test `e2e_studio`) or by hand:
//   cd web && HOMEBOY_BIN=../build/homeboy npx playwright test -c ../tests/e2e/playwright.config.ts
import { defineConfig } from "@playwright/test";
import path from "node:path";

const root = path.resolve(__dirname, "../..");

export default defineConfig({
  testDir: __dirname,
  testMatch: /.*\.spec\.ts/,
  // One browser at a time: the machines have 2 cores and the daemon runs beside.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: [["list"]],
  outputDir: path.join(root, "build/e2e/results"),
  globalSetup: path.join(__dirname, "global-setup.ts"),
  globalTeardown: path.join(__dirname, "global-teardown.ts"),
  use: {
    baseURL: process.env.HB_STUDIO_URL,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    },
    screenshot: "only-on-failure",
    trace: "off",
  },
});
