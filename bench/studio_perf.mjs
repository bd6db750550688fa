// The browser half of bench/studio_perf.sh: Debian's chromium through
// playwright-core. Prints the figures bench/RESULTS.md records.
//   node bench/studio_perf.mjs URL DETAIL_RUN_ID STORE
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

// playwright-core from the Studio's packages (web/node_modules).
const { chromium } = createRequire(new URL("../web/package.json", import.meta.url))("playwright-core");

const [url, detailId, store] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

// The time from navigation start until `selector` first exists, measured in
// the page by a MutationObserver installed before any script runs.
async function firstAppearance(path, selector, reps = 7) {
  const times = [];
  for (let i = 0; i < reps + 1; i++) {
    await page.addInitScript((sel) => {
      const done = () => { if (!window.__seen && document.querySelector(sel)) window.__seen = performance.now(); };
      new MutationObserver(done).observe(document, { childList: true, subtree: true });
    }, selector);
    await page.goto(`${url}${path}`);
    await page.waitForFunction(() => window.__seen !== undefined, null, { timeout: 30_000 });
    const t = await page.evaluate(() => window.__seen);
    if (i > 0) times.push(t); // the first is the cold cache
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], max: times[times.length - 1], all: times.map(Math.round) };
}

// The default chip (Bench: kinds bench and bench-job, two thirds of the
// store) and All activity (no filter).
for (const chip of ["bench", "all"]) {
  await page.goto(`${url}/runs`);
  await page.evaluate((c) => localStorage.setItem("homeboy.runs.chip", c), chip);
  const runs = await firstAppearance("/runs", "main table tbody tr a");
  console.log(`/runs (${chip}) first rows: median ${runs.median.toFixed(0)} ms, max ${runs.max.toFixed(0)} ms (${runs.all.join(", ")})`);
}
await page.evaluate(() => localStorage.setItem("homeboy.runs.chip", "all"));
const detail = await firstAppearance(`/runs/${detailId}`, ".detail-header .pill");
console.log(`/runs/:id header: median ${detail.median.toFixed(0)} ms, max ${detail.max.toFixed(0)} ms (${detail.all.join(", ")})`);

// Live: 50 status changes a second for 10 s, written to the store the way
// the registry writes them (the run's row and a `status` event), while the
// page counts its animation frames.
await page.goto(`${url}/runs`);
await page.waitForSelector("main table tbody tr");
let requests = 0;
page.on("request", (r) => { if (r.url().includes("/api/v1/runs")) requests++; });
await page.evaluate(() => {
  window.__frames = [];
  const tick = (t) => { window.__frames.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
});
const gen = spawn("python3", ["-c", `
import sqlite3, sys, time, uuid, json
db = sqlite3.connect(sys.argv[1], timeout=5, isolation_level=None)
changes, start = 0, time.time()
ids = []
while time.time() - start < 10:
    now = int(time.time() * 1000)
    if changes % 4 == 0:
        rid = str(uuid.uuid4()); ids.append(rid)
        db.execute("BEGIN")
        db.execute("INSERT INTO runs (id, kind, status, command, cwd, homeboy_version, created_at, metadata) VALUES (?, 'task', 'queued', 'true', '/tmp', '0.1.0', ?, '{}')", (rid, now))
        db.execute("INSERT INTO events (run_id, seq, at, type, data) SELECT ?, coalesce(max(seq), 0) + 1, ?, 'submitted', '{}' FROM events WHERE run_id = ?", (rid, now, rid))
        db.execute("COMMIT")
    else:
        rid = ids[-1]; step = changes % 4
        frm, to = [None, "queued", "booting", "running"][step], [None, "booting", "running", "succeeded"][step]
        db.execute("BEGIN")
        db.execute("UPDATE runs SET status = ? WHERE id = ?", (to, rid))
        db.execute("INSERT INTO events (run_id, seq, at, type, data) SELECT ?, coalesce(max(seq), 0) + 1, ?, 'status', ? FROM events WHERE run_id = ?", (rid, now, json.dumps({"from": frm, "to": to}), rid))
        db.execute("COMMIT")
    changes += 1
    time.sleep(max(0, start + changes / 50 - time.time()))
print(changes)
`, store], { stdio: ["ignore", "pipe", "inherit"] });
let written = "";
gen.stdout.on("data", (d) => (written += d));
await new Promise((r) => gen.on("exit", r));
await page.waitForTimeout(1000);
const frames = await page.evaluate(() => window.__frames);
const start = frames[0];
const buckets = new Map();
for (const t of frames) {
  const b = Math.floor((t - start) / 1000);
  buckets.set(b, (buckets.get(b) ?? 0) + 1);
}
const full = [...buckets.entries()].filter(([b]) => b < Math.floor((frames.at(-1) - start) / 1000)).map(([, n]) => n);
let longest = 0;
for (let i = 1; i < frames.length; i++) longest = Math.max(longest, frames[i] - frames[i - 1]);
const rows = await page.locator("main table tbody tr").count();
const liveRequests = requests;
console.log(`live: ${liveRequests} API requests by the page; ${written.trim()} status changes in 10 s written; frames per second min ${Math.min(...full)}, median ${full.sort((a, b) => a - b)[Math.floor(full.length / 2)]}; longest frame gap ${longest.toFixed(0)} ms; ${rows} rows shown`);
await browser.close();
