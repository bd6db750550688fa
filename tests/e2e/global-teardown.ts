// Stops the daemon global-setup.ts started and removes its temporary HOME
// (kept with HB_E2E_KEEP=1, to look at the store afterwards).
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { bin, stateFile } from "./env";

export default async function globalTeardown() {
  let s: any;
  try {
    s = JSON.parse(readFileSync(stateFile, "utf8"));
  } catch {
    return;
  }
  const env = { ...process.env, HOME: s.home, HOMEBOY_DATA_DIR: s.data };
  try {
    execFileSync(bin, ["daemon", "stop"], { env, stdio: "ignore", timeout: 30_000 });
  } catch {
    try { process.kill(s.pid, "SIGKILL"); } catch {}
  }
  if (!process.env.HB_E2E_KEEP) rmSync(s.tmp, { recursive: true, force: true });
}
