// bench-helper.mjs: shared helpers for homeboy bench runners written in Node.
//
// Homeboy writes this module to ~/.config/homeboy/runtime/ and exports its
// path as HOMEBOY_RUNTIME_BENCH_HELPER_JS. Runners import it by file URL:
//
//   const helper = await import(pathToFileURL(process.env.HOMEBOY_RUNTIME_BENCH_HELPER_JS).href);
//
// Shared contract with bench-helper.sh and bench-helper.php:
//   * scenario slug: a workload file name becomes a scenario id by taking the
//     basename, dropping the extension, splitting camelCase, lowercasing and
//     collapsing every run of other characters into "-".
//   * percentiles use the R-7 percentile definition (Hyndman-Fan type 7, the
//     same as Excel PERCENTILE.INC) over values sorted ascending:
//     rank = p * (n - 1), then linear interpolation between the neighbours.
//   * the results file is a JSON object {component_id, iterations, scenarios}
//     where scenarios is a list of {id, iterations, metrics, ...}.
//
// Writers use 2-space indentation and no trailing newline.

import { spawn, execFileSync } from 'node:child_process';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Progress lines and responsiveness pings measure time from module load.
const moduleStartedAt = Date.now();

const TRUTHY_FLAGS = new Set(['1', 'true', 'yes', 'on']);

/**
 * R-7 percentile of values already sorted ascending; p is in [0, 1].
 * Empty input gives 0 and a single value gives that value. Otherwise
 * rank = p * (n - 1) and the result interpolates between the two
 * neighbouring values. The weighted form below (rather than
 * lo + (hi - lo) * frac) keeps results bit-identical with the SH and PHP
 * helpers, e.g. p95 of [1, 3, 5] is 4.800000000000001.
 */
export function homeboyBenchPercentile(sortedValues, p) {
  const n = sortedValues.length;
  if (n === 0) return 0;
  if (n === 1) return sortedValues[0];
  const rank = p * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  if (lo === hi) return sortedValues[lo];
  const frac = rank - lo;
  return sortedValues[lo] * (1 - frac) + sortedValues[hi] * frac;
}

/**
 * Scenario slug for a workload file: basename, extension removed (by
 * default a final "." plus non-dot characters; runners may pass e.g.
 * /\.bench\.(ts|mjs|cjs|js)$/ instead, and a string pattern replaces its
 * first literal occurrence), camelCase split with "-", lowercased, runs of
 * non [a-z0-9] characters collapsed to "-" and trimmed. May return ''.
 */
export function homeboyBenchScenarioId(file, extensionPattern = /\.[^.]+$/) {
  const base = String(file ?? '').replace(/\/+$/, '').split('/').pop();
  return base
    .replace(extensionPattern, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Selected scenario ids: the comma-separated list (HOMEBOY_BENCH_SCENARIOS,
 * read on every call, by default) with items trimmed and empty items dropped.
 */
export function homeboyBenchSelectedScenarios(value = process.env.HOMEBOY_BENCH_SCENARIOS || '') {
  return String(value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Whether a scenario runs. An empty id is never selected; a null or empty
 * selection selects every other id.
 */
export function homeboyBenchScenarioSelected(scenario, selected = homeboyBenchSelectedScenarios()) {
  if (!scenario) return false;
  if (!selected || selected.length === 0) return true;
  return selected.includes(scenario);
}

/** Artifact reference {path, kind?, label?}; falsy kind/label are left out. */
export function homeboyBenchArtifactRef(artifactPath, { kind, label } = {}) {
  if (!artifactPath) {
    throw new Error('homeboyBenchArtifactRef requires a path');
  }
  const ref = { path: artifactPath };
  if (kind) ref.kind = kind;
  if (label) ref.label = label;
  return ref;
}

/** Results envelope {component_id, iterations, scenarios}; not validated. */
export function homeboyBenchResultsEnvelope(componentId, iterations, scenarios) {
  return { component_id: componentId, iterations, scenarios };
}

function isNonEmptyObject(value) {
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}

/**
 * One inventory (list-only) scenario. Keys in order: id, iterations (0),
 * tags, metrics, default_iterations (when given), file and source (when
 * truthy), metadata, provenance and artifacts (when non-empty objects).
 */
export function homeboyBenchScenarioInventoryEntry({
  id,
  file,
  source,
  defaultIterations,
  tags = [],
  metrics = {},
  metadata,
  provenance,
  artifacts,
}) {
  const entry = { id, iterations: 0, tags, metrics };
  if (defaultIterations !== undefined) entry.default_iterations = defaultIterations;
  if (file) entry.file = file;
  if (source) entry.source = source;
  if (isNonEmptyObject(metadata)) entry.metadata = metadata;
  if (isNonEmptyObject(provenance)) entry.provenance = provenance;
  if (isNonEmptyObject(artifacts)) entry.artifacts = artifacts;
  return entry;
}

/**
 * Inventory envelope: iterations 0 everywhere; each scenario keeps its own
 * default_iterations or gets the envelope's defaultIterations.
 */
export function homeboyBenchScenarioInventoryEnvelope(componentId, defaultIterations, scenarios) {
  return {
    component_id: componentId,
    iterations: 0,
    scenarios: scenarios.map((scenario) => {
      const copy = { ...scenario };
      copy.iterations = 0;
      copy.default_iterations = scenario.default_iterations ?? defaultIterations;
      return copy;
    }),
  };
}

async function writeJsonFile(file, value) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(value, null, 2));
}

/** Write a results file (2-space JSON, no trailing newline). */
export async function homeboyWriteBenchResults(resultsFile, componentId, iterations, scenarios) {
  await writeJsonFile(resultsFile, homeboyBenchResultsEnvelope(componentId, iterations, scenarios));
}

/** Write a results file with no scenarios. Note: the file comes first. */
export async function homeboyWriteEmptyBenchResults(resultsFile, componentId, iterations = 0) {
  await homeboyWriteBenchResults(resultsFile, componentId, iterations, []);
}

/** Write a scenario inventory (list-only mode). */
export async function homeboyWriteBenchScenarioInventory(resultsFile, componentId, defaultIterations, scenarios) {
  await writeJsonFile(
    resultsFile,
    homeboyBenchScenarioInventoryEnvelope(componentId, defaultIterations, scenarios),
  );
}

function envFlagEnabled(value) {
  return TRUTHY_FLAGS.has(String(value ?? '').trim().toLowerCase());
}

// Free text on a progress line must stay on that line.
function singleLine(value) {
  return String(value).replace(/[\r\n\t]+/g, ' ').trim();
}

function formatElapsed(ms) {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = String(Math.floor(totalSeconds / 60)).padStart(2, '0');
  const seconds = String(totalSeconds % 60).padStart(2, '0');
  return `${minutes}:${seconds}`;
}

/**
 * Print one human progress line when HOMEBOY_BENCH_PROGRESS is on, e.g.
 *   studio-agent-site-build [bfb] 04:12 turn=18 tools=23 last=cli page_update
 * to stderr, or stdout when HOMEBOY_BENCH_PROGRESS_STREAM is "stdout".
 */
export function homeboyBenchProgress(event = {}) {
  if (!envFlagEnabled(process.env.HOMEBOY_BENCH_PROGRESS)) return;

  const parts = [event.scenario || event.workload || 'bench'];
  const run = event.run || event.run_id;
  if (run) parts.push(`[${run}]`);
  const elapsed = Number.isFinite(event.elapsed_ms) ? event.elapsed_ms : Date.now() - moduleStartedAt;
  parts.push(formatElapsed(elapsed));
  if (event.phase) parts.push(`phase=${event.phase}`);
  if (event.turn !== undefined) parts.push(`turn=${event.turn}`);
  if (event.tools !== undefined) parts.push(`tools=${event.tools}`);
  else if (event.tool_count !== undefined) parts.push(`tools=${event.tool_count}`);
  if (event.tool) parts.push(`tool=${singleLine(event.tool)}`);
  if (event.last) parts.push(`last=${singleLine(event.last)}`);
  if (event.message) {
    const message = singleLine(event.message);
    if (message) parts.push(message);
  }

  const stream = process.env.HOMEBOY_BENCH_PROGRESS_STREAM === 'stdout' ? process.stdout : process.stderr;
  stream.write(`${parts.join(' ')}\n`);
}

/**
 * Append {"at":<ISO>,"t_ms":<ms since module load>,...event} as one line to
 * HOMEBOY_BENCH_RESPONSIVENESS_FILE (no-op when unset). Homeboy core reads
 * "at" as a string and "t_ms" as a non-negative integer.
 */
export async function homeboyBenchResponsivenessPing(event = {}) {
  const file = process.env.HOMEBOY_BENCH_RESPONSIVENESS_FILE;
  if (!file) return;
  const now = Date.now();
  const line = {
    at: new Date(now).toISOString(),
    t_ms: Math.max(0, now - moduleStartedAt),
    ...event,
  };
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(line)}\n`);
}

function sampleIntervalMs(options) {
  if (Number.isFinite(options.sampleIntervalMs)) return options.sampleIntervalMs;
  const fromEnv = String(process.env.HOMEBOY_BENCH_PHASE_MEMORY_SAMPLE_INTERVAL_MS ?? '').trim();
  if (/^\d+$/.test(fromEnv) && Number(fromEnv) > 0) return Number(fromEnv);
  return 1000;
}

/**
 * One snapshot of the process tree rooted at rootPid, from `ps`, or null
 * (Windows, no pid, ps failure, or the root and its descendants are gone).
 * Descendants re-parented to init after their parent exited are not seen.
 */
function sampleProcessTree(rootPid, phase, startedMs) {
  if (process.platform === 'win32' || !rootPid) return null;

  let listing;
  try {
    listing = execFileSync('ps', ['-axo', 'pid=,ppid=,rss=,pcpu=,comm='], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      // C locale so %CPU always uses "." as decimal point.
      env: { ...process.env, LC_ALL: 'C' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return null;
  }
  const elapsedMs = Date.now() - startedMs;

  const table = new Map();
  const childrenOf = new Map();
  for (const rawLine of listing.split('\n')) {
    const match = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+(?:\.\d+)?)(?:\s+(.*))?$/.exec(rawLine.trim());
    if (!match) continue;
    const proc = {
      pid: Number(match[1]),
      parent_pid: Number(match[2]),
      rss_bytes: Number(match[3]) * 1024,
      cpu_percent: Number(match[4]),
      command: match[5] ?? '',
    };
    table.set(proc.pid, proc);
    if (!childrenOf.has(proc.parent_pid)) childrenOf.set(proc.parent_pid, []);
    childrenOf.get(proc.parent_pid).push(proc.pid);
  }

  // Breadth-first walk from the root through the parent -> children map.
  const members = [];
  const seen = new Set([rootPid]);
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift();
    if (table.has(pid)) members.push(table.get(pid));
    for (const child of childrenOf.get(pid) ?? []) {
      if (!seen.has(child)) {
        seen.add(child);
        queue.push(child);
      }
    }
  }
  if (members.length === 0) return null;

  members.sort((a, b) => a.pid - b.pid);
  return {
    elapsed_ms: elapsedMs,
    timestamp: new Date().toISOString(),
    root_pid: rootPid,
    phase,
    rss_bytes: members.reduce((sum, proc) => sum + proc.rss_bytes, 0),
    cpu_percent: members.reduce((sum, proc) => sum + proc.cpu_percent, 0),
    child_count: Math.max(0, members.length - 1),
    processes: members,
  };
}

// File-name-safe phase: runs of non-alphanumerics become "-", ends trimmed.
function safePhaseName(phase) {
  return phase.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'phase';
}

/**
 * Resource record for homeboy core, written to
 * $HOMEBOY_RUN_DIR/extension-children/<rootPid>-<now>-<safePhase>.json.
 */
function writeResourceFile(runDir, info) {
  const { rootPid, commandLabel, phase, startedAt, durationMs, samples } = info;

  // Peak = the first sample with the highest rss_bytes.
  let peak = null;
  for (const sample of samples) {
    if (peak === null || sample.rss_bytes > peak.rss_bytes) peak = sample;
  }

  const record = {
    root_pid: rootPid,
    command_label: commandLabel,
    phase,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    duration_ms: durationMs,
  };
  if (peak) record.sampled_peak_rss_bytes = peak.rss_bytes;
  record.sampled_peak_cpu_percent = samples.reduce((max, sample) => Math.max(max, sample.cpu_percent), 0);
  if (peak) {
    record.sampled_peak_at_ms = peak.elapsed_ms;
    record.sampled_peak_child_count = peak.child_count;
  }
  record.samples = samples;
  record.warnings = [];

  const dir = path.join(runDir, 'extension-children');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${rootPid}-${Date.now()}-${safePhaseName(phase)}.json`);
  writeFileSync(file, JSON.stringify(record, null, 2));
  return file;
}

/**
 * Run one bench phase as a child process (no shell) and sample its process
 * tree's memory and CPU while it runs.
 *
 * options: cwd, env (merged over process.env), stdout/stderr ('inherit' also
 * mirrors the stream live), timeoutMs (SIGKILL after that many ms; the
 * promise still resolves), sampleIntervalMs (else the env var
 * HOMEBOY_BENCH_PHASE_MEMORY_SAMPLE_INTERVAL_MS, else 1000).
 *
 * Resolves with {code, signal, stdout, stderr, elapsedMs, phase, phaseEvents};
 * a non-zero exit does not reject. Rejects on invalid arguments and on spawn
 * errors (e.g. ENOENT).
 */
export async function homeboyRunBenchPhase(phase, command, args = [], options = {}) {
  if (typeof phase !== 'string' || phase === '') {
    throw new Error('homeboyRunBenchPhase requires a phase label');
  }
  if (typeof command !== 'string' || command === '') {
    throw new Error('homeboyRunBenchPhase requires a command');
  }

  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const child = spawn(command, args, {
    cwd: options.cwd || process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const rootPid = child.pid;

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (options.stdout === 'inherit') process.stdout.write(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (options.stderr === 'inherit') process.stderr.write(chunk);
  });

  const samples = [];
  const takeSample = () => {
    const sample = sampleProcessTree(rootPid, phase, started);
    if (sample) samples.push(sample);
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    let sampler = null;
    let killer = null;
    const stopTimers = () => {
      if (sampler) clearInterval(sampler);
      if (killer) clearTimeout(killer);
    };

    child.once('error', (error) => {
      stopTimers();
      if (settled) return;
      settled = true;
      reject(error);
    });

    child.once('close', (code, signal) => {
      stopTimers();
      if (settled) return;
      settled = true;

      takeSample();
      const elapsedMs = Date.now() - started;

      const runDir = process.env.HOMEBOY_RUN_DIR;
      if (runDir && rootPid) {
        try {
          writeResourceFile(runDir, {
            rootPid,
            commandLabel: [command, ...args].join(' '),
            phase,
            startedAt,
            durationMs: elapsedMs,
            samples,
          });
        } catch (error) {
          // The phase itself finished; a missing resource record only costs
          // the resource summary, so report it and carry on.
          process.stderr.write(`homeboyRunBenchPhase: cannot write resource file: ${error.message}\n`);
        }
      }

      const status = code === 0 ? 'completed' : 'failed';
      const message = code === 0 ? undefined : `${command} exited with ${code ?? signal}`;
      resolve({
        code,
        signal,
        stdout,
        stderr,
        elapsedMs,
        phase,
        phaseEvents: [
          { phase, status: 'started', t_ms: 0, started_at: startedAt },
          {
            phase,
            status,
            t_ms: elapsedMs,
            ended_at: new Date().toISOString(),
            duration_ms: elapsedMs,
            message,
          },
        ],
      });
    });

    if (rootPid) {
      takeSample();
      sampler = setInterval(takeSample, Math.max(1, sampleIntervalMs(options)));
      if (options.timeoutMs) {
        killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
      }
    }
  });
}
