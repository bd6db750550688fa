// Seeds a store in a temporary HOME and starts a daemon on it for the
// browser tests: bench runs of the example component (a saved baseline, a
// comparison, a regression), task runs that succeed, fail and carry hostile
// text, and enough finished runs to page. Writes build/e2e/state.json.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bin, root, stateFile } from "./env";

export const XSS = `<img src=x onerror="window.__xss=1">`;

export default async function globalSetup() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "homeboy-e2e-"));
  const home = path.join(tmp, "home");
  const data = path.join(tmp, "data");
  const project = path.join(tmp, "text-tools");
  mkdirSync(home, { recursive: true });
  cpSync(path.join(root, "examples/text-tools"), project, { recursive: true });
  const env = { ...process.env, HOME: home, HOMEBOY_DATA_DIR: data, NO_COLOR: "1" };
  const run = (args: string[], allowFail = false) => {
    try {
      return execFileSync(bin, args, { cwd: project, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e: any) {
      if (allowFail) return String(e.stdout ?? "");
      throw new Error(`seeding: homeboy ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
    }
  };

  // The component is registered, so the daemon's scope (the new-run form) lists it.
  run(["component", "create", "--local-path", project]);
  // Bench runs: a baseline, a comparison with it, and twice the work (a
  // regression; exit 1 is expected).
  run(["bench", "--iterations", "5", "--runs", "2", "--baseline", "--setting", "lines=20000"]);
  run(["bench", "--iterations", "5", "--runs", "2", "--setting", "lines=20000"], true);
  run(["bench", "--iterations", "5", "--runs", "2", "--setting", "lines=40000"], true);

  // Task runs: succeeded, failed, hostile text in the name, a log line and a label.
  const submit = (args: string[]) => run(["runs", "submit", ...args]).trim();
  submit(["--name", "line-count", "--", "wc", "-l", "bench.sh"]);
  submit(["--name", "fails", "--", "sh", "-c", "echo about to fail >&2; exit 3"]);
  submit(["--name", XSS, "--label", `note=${XSS}`, "--", "sh", "-c", `echo '${XSS}'; echo '<script>window.__xss=2</script>'`]);
  // Enough finished runs for two pages of the table.
  for (let i = 0; i < 30; i++) submit(["--name", `filler-${String(i).padStart(2, "0")}`, "--", "true"]);
  run(["worker", "--once", "--concurrency", "4", "--quiet"]);

  const started = JSON.parse(run(["daemon", "start", "--listen", "127.0.0.1:0", "--json"]));
  const payload = started.data.payload;
  const token = readFileSync(path.join(home, ".config/homeboy/daemon.token"), "utf8").trim();
  const url = `http://${payload.listen}`;
  mkdirSync(path.dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ url, token, home, data, project, pid: payload.pid, tmp }, null, 2));
  process.env.HB_STUDIO_URL = url;
}
