// What global-setup.ts made, for the tests: the daemon's address and token,
// the temporary HOME and data root, and a way to run the CLI there.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";

export const root = path.resolve(__dirname, "../..");
export const bin = process.env.HOMEBOY_BIN ?? path.join(root, "build/homeboy");
export const stateFile = path.join(root, "build/e2e/state.json");

export type E2eState = { url: string; token: string; home: string; data: string; project: string; pid: number };

export function state(): E2eState {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return JSON.parse(require("node:fs").readFileSync(stateFile, "utf8"));
}

export function cliEnv(s: E2eState = state()): NodeJS.ProcessEnv {
  return { ...process.env, HOME: s.home, HOMEBOY_DATA_DIR: s.data, NO_COLOR: "1" };
}

/// Runs `homeboy <args>` in the test store; returns stdout. Throws with
/// stderr when it exits non-zero, unless `allowFail`.
export function hb(args: string[], opts: { cwd?: string; allowFail?: boolean; input?: string } = {}): string {
  const s = state();
  try {
    return execFileSync(bin, args, {
      cwd: opts.cwd ?? s.project,
      env: cliEnv(s),
      encoding: "utf8",
      input: opts.input,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: 120_000,
    });
  } catch (e: any) {
    if (opts.allowFail) return String(e.stdout ?? "");
    throw new Error(`homeboy ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
  }
}

/// The `data.payload` of `homeboy <args> --json`.
export function hbJson(args: string[], opts: { cwd?: string } = {}): any {
  const out = hb([...args, "--json"], opts);
  return JSON.parse(out).data?.payload;
}

/// Opens a Studio page with the daemon's token (as the address `daemon
/// start` prints does), so Cancel and New run work.
export async function open(page: Page, where: string) {
  const s = state();
  await page.goto(`${where}#token=${s.token}`);
}

/// Screenshots for a person to look at: desktop and phone widths, under
/// build/e2e/screenshots/<name>-{desktop,phone}.png.
export async function screenshots(page: Page, name: string) {
  const dir = path.join(root, "build/e2e/screenshots");
  mkdirSync(dir, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(dir, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(dir, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(size);
}
