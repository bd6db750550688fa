// /runs/:id: one run. The header (status, timings, component, rig, git sha,
// command, host), the live-progress card with Cancel while the run is
// active, the actions (Replay, Promote, Retain), a bench run's metrics and
// charts, artifacts, findings, logs (a live tail while running) and the
// event timeline. Data: GET /api/v1/runs/{id}; live: the run's event stream
// while it is active, the daemon's stream otherwise (for the connection
// state and changes made elsewhere). Everything from the run is text.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, get, send } from "../api";
import { useEventStream, type RunEvent } from "../events";
import { duration, exactTime, isActive, shortId } from "../format";
import { navigate } from "../router";
import { Connection, ErrorBox, Spinner, StatusPill, When } from "../components/ui";
import { appendLines, fetchLogTail, LogView, splitLines, type LogLine } from "../components/detail_logs";
import { ArtifactsSection } from "../components/detail_artifacts";
import { EventTimeline, FindingsSection } from "../components/detail_events";
import { BenchSection } from "../components/detail_metrics";

const TERMINAL = new Set(["succeeded", "failed", "timed_out", "cancelled"]);

/// The API's payload: `{data: {payload}}` or `{data}`.
function payloadOf(body: any): any {
  return body && typeof body === "object" && "payload" in body ? body.payload : body;
}

/// The run with the registry's status in `status` (a bench run's `status`
/// is the original tool's word, `pass`; `run_status` is ours).
/// format.ts knows `starting`/`collecting`; the registry says `booting`
/// and `collecting_artifacts`.
const STATUS_WORD: Record<string, string> = { booting: "starting", collecting_artifacts: "collecting" };

function withOurStatus(run: any): any {
  if (!run) return run;
  const s = run.run_status ?? run.status;
  return { ...run, status: STATUS_WORD[s] ?? s, verdicts: run.metadata?.verdicts ? countVerdicts(run.metadata.verdicts) : undefined };
}

function countVerdicts(v: Record<string, string>) {
  const c = { regressed: 0, improved: 0, unchanged: 0, inconclusive: 0 } as Record<string, number>;
  for (const k of Object.values(v ?? {})) if (k in c) c[k]++;
  return c;
}

function hostOf(run: any): string | null {
  const m = run?.metadata ?? {};
  const h = m.runtime?.host ?? m.host?.hostname ?? m.host?.name;
  return typeof h === "string" ? h : null;
}

/// Says how to get a token when the daemon refused a change for want of one.
export function actionError(e: unknown): unknown {
  if (e instanceof ApiError && (e.status === 401 || e.code.startsWith("auth."))) {
    return new ApiError(e.status, e.code, `${e.message}\nOpen the address \`homeboy daemon status\` prints (it carries the token), then try again.`);
  }
  return e;
}

export function RunDetailPage({ runId }: { runId: string }) {
  const [run, setRun] = useState<any | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [logs, setLogs] = useState<LogLine[] | null>(null);
  const [logError, setLogError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [settledHere, setSettledHere] = useState(false);
  const seen = useRef(new Set<string>());
  const reloadTimer = useRef<number | undefined>();

  const load = useCallback(async () => {
    try {
      const body = await get<any>(`/api/v1/runs/${encodeURIComponent(runId)}`);
      const r = payloadOf(body)?.run ?? payloadOf(body);
      setRun(r);
      setError(null);
      setEvents((prev) => mergeEvents(r?.events ?? [], prev));
      return r;
    } catch (e) {
      setError(e);
      return null;
    }
  }, [runId]);

  const loadLogs = useCallback(async () => {
    try {
      setLogs(await fetchLogTail(runId));
      setLogError(null);
    } catch (e) {
      setLogs([]);
      setLogError(e);
    }
  }, [runId]);

  // A new run id: start over.
  useEffect(() => {
    setRun(null);
    setError(null);
    setEvents([]);
    setLogs(null);
    setLogError(null);
    setMessage(null);
    setSettledHere(false);
    seen.current = new Set();
    load().then((r) => {
      if (r && !isActive(withOurStatus(r))) loadLogs();
      else if (r) setLogs([]);
    });
  }, [runId]);

  const reloadSoon = () => {
    window.clearTimeout(reloadTimer.current);
    reloadTimer.current = window.setTimeout(load, 150);
  };
  useEffect(() => () => window.clearTimeout(reloadTimer.current), []);

  const ours = withOurStatus(run);
  const active = !!run && isActive(ours) && !settledHere;
  const notFound = error instanceof ApiError && error.status === 404;

  // Settled while watched: the run and the whole log tail once more.
  const wasActive = useRef(false);
  useEffect(() => {
    if (active) wasActive.current = true;
    else if (wasActive.current && run) {
      wasActive.current = false;
      load().then(() => loadLogs());
    }
  }, [active, !!run]);

  const onEvent = (e: RunEvent, type: string) => {
    if (type === "log" || e.type === "log") {
      const d: any = (e as any).data ?? e;
      const stream = d.stream === "stderr" ? "stderr" : "stdout";
      const key = `${d.attempt ?? ""}:${stream}:${d.offset ?? Math.random()}`;
      if (seen.current.has(key)) return;
      seen.current.add(key);
      setLogs((prev) => appendLines(prev ?? [], splitLines(stream, String(d.text ?? ""))));
      return;
    }
    if (e.run_id && e.run_id !== run?.id) return; // the daemon's stream: another run
    if (typeof e.seq === "number") setEvents((prev) => mergeEvents(prev, [e]));
    if (e.type === "message" || e.type === "heartbeat") {
      const m = e.data?.message;
      if (typeof m === "string" && m) setMessage(m);
    }
    if (e.type === "status" && TERMINAL.has(String(e.data?.to))) setSettledHere(true);
    if (e.type !== "heartbeat") reloadSoon();
  };

  const streamUrl = !run ? (error && !notFound ? "/api/v1/events" : null)
    : active ? `/api/v1/runs/${encodeURIComponent(run.id)}/events` : "/api/v1/events";
  const conn = useEventStream(streamUrl, onEvent);
  // Back after the daemon went away: read everything again.
  const prevConn = useRef(conn);
  useEffect(() => {
    if (prevConn.current === "retrying" && conn === "open") {
      load().then((r) => {
        if (r && !isActive(withOurStatus(r))) loadLogs();
      });
    }
    prevConn.current = conn;
  }, [conn]);

  if (notFound) {
    return (
      <main class="page">
        <h1>No run <code>{runId}</code></h1>
        <p>The store has no run with this id (or id prefix). It may have been removed by retention, or the address is mistyped.</p>
        <p class="muted detail-small">{(error as ApiError).message}</p>
        <p><a href="/runs">Back to the runs</a></p>
      </main>
    );
  }
  if (!run) {
    return (
      <main class="page">
        <Connection state={conn} />
        <h1>Run <code>{shortId(runId)}</code></h1>
        {error ? <ErrorBox error={error}><p><button type="button" onClick={load}>Try again</button></p></ErrorBox> : <p class="muted"><Spinner label="loading" />Loading the run…</p>}
      </main>
    );
  }

  const isBench = run.kind === "bench" || (run.scenario_metrics?.length ?? 0) > 0;
  return (
    <main class="page detail-page">
      <Connection state={conn} />
      {error ? <ErrorBox error={error} /> : null}
      <Header run={run} ours={ours} />
      {active && <LiveCard run={run} ours={ours} message={message} onChanged={load} />}
      <Actions run={run} onChanged={load} />
      {isBench && <BenchSection run={run} />}
      <FindingsSection findings={run.findings ?? []} />
      <LogView lines={logs} error={logError} live={active} note={active ? undefined : `The last lines of each stream (stdout, then stderr).`} />
      <ArtifactsSection runId={run.id} artifacts={run.artifacts ?? []} />
      <EventTimeline events={events} />
    </main>
  );
}

function mergeEvents(a: RunEvent[], b: RunEvent[]): RunEvent[] {
  const bySeq = new Map<number, RunEvent>();
  for (const e of [...a, ...b]) if (e && typeof e.seq === "number" && e.type !== "log") bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

function Header({ run, ours }: { run: any; ours: any }) {
  const m = run.metadata ?? {};
  const started = run.started_at ? Date.parse(run.started_at) : null;
  const finished = run.finished_at ? Date.parse(run.finished_at) : null;
  const labels = m.labels && typeof m.labels === "object" ? Object.entries(m.labels) : [];
  return (
    <section class="card detail-header" aria-labelledby="detail-title">
      <div class="detail-title-row">
        <h1 id="detail-title">
          Run <span class="mono detail-id" title={run.id}>{shortId(run.id)}</span>
        </h1>
        <StatusPill run={ours} />
        <span class="detail-kind">{run.kind}</span>
        {typeof m.name === "string" && m.name && <span class="detail-name">{m.name}</span>}
      </div>
      <dl class="facts detail-facts">
        <dt>Id</dt><dd class="mono">{run.id}</dd>
        <dt>Created</dt><dd><When iso={run.created_at} /> <span class="muted detail-small">{exactTime(run.created_at)}</span></dd>
        <dt>Started</dt><dd><When iso={run.started_at} /></dd>
        <dt>Finished</dt><dd><When iso={run.finished_at} /></dd>
        <dt>Duration</dt><dd>{started !== null && finished !== null ? duration(finished - started) : started !== null ? "running" : "—"}</dd>
        {run.component_id && <><dt>Component</dt><dd>{run.component_id}</dd></>}
        {run.rig_id && <><dt>Rig</dt><dd>{run.rig_id}</dd></>}
        {run.git_sha && <><dt>Git sha</dt><dd class="mono" title={run.git_sha}>{String(run.git_sha).slice(0, 12)}</dd></>}
        <dt>Command</dt><dd><code class="detail-command">{run.command ?? "—"}</code></dd>
        {run.cwd && <><dt>Directory</dt><dd class="mono detail-small">{run.cwd}</dd></>}
        {hostOf(run) && <><dt>Host</dt><dd>{hostOf(run)}</dd></>}
        {run.exit_code !== null && run.exit_code !== undefined && <><dt>Exit code</dt><dd>{run.exit_code}</dd></>}
        {run.terminal_reason && <><dt>Reason</dt><dd>{run.terminal_reason}</dd></>}
        {run.attempt > 1 && <><dt>Attempt</dt><dd>{run.attempt}</dd></>}
        {m.replay_of && <><dt>Replay of</dt><dd><a class="mono" href={`/runs/${encodeURIComponent(m.replay_of)}`}>{shortId(String(m.replay_of))}</a></dd></>}
        {run.promoted_at && <><dt>Promoted</dt><dd><When iso={run.promoted_at} /></dd></>}
        {run.retained_until && <><dt>Retained until</dt><dd>{exactTime(run.retained_until)}</dd></>}
        {labels.length > 0 && (
          <><dt>Labels</dt><dd>{labels.map(([k, v]) => <span class="detail-label">{k}={typeof v === "string" ? v : JSON.stringify(v)}</span>)}</dd></>
        )}
      </dl>
    </section>
  );
}

function LiveCard({ run, ours, message, onChanged }: { run: any; ours: any; message: string | null; onChanged: () => void }) {
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, []);
  const since = Date.parse(run.started_at ?? run.created_at);
  const cancel = async () => {
    setBusy(true);
    setErr(null);
    try {
      await send("POST", `/api/v1/runs/${encodeURIComponent(run.id)}/cancel`, { reason: "cancelled from the Studio" });
      onChanged();
    } catch (e) {
      setErr(actionError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card detail-live" aria-labelledby="detail-live-h" aria-live="polite">
      <h2 id="detail-live-h"><Spinner /> In progress</h2>
      <div class="detail-live-row">
        <StatusPill run={ours} />
        <span>{run.started_at ? "running for" : "queued for"} <strong data-testid="elapsed">{duration(Number.isFinite(since) ? now - since : null)}</strong></span>
        {run.cancel_requested_at && <span class="muted">cancel requested</span>}
        <span class="toolbar-spacer" />
        <button type="button" class="danger" onClick={cancel} disabled={busy}>{busy ? "Cancelling…" : "Cancel"}</button>
      </div>
      <p class="detail-live-message">{message ? <>Latest: {message}</> : <span class="muted">No progress message yet.</span>}</p>
      <ErrorBox error={err} />
    </section>
  );
}

function Actions({ run, onChanged }: { run: any; onChanged: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const act = async (what: "replay" | "promote" | "retain") => {
    setBusy(what);
    setErr(null);
    setDone(null);
    try {
      const body = payloadOf(await send<any>("POST", `/api/v1/runs/${encodeURIComponent(run.id)}/${what}`, what === "retain" ? { until: "30d" } : {}));
      if (what === "replay") {
        const id = body?.run_id ?? body?.run?.id;
        if (id) {
          navigate(`/runs/${encodeURIComponent(id)}`);
          return;
        }
        setDone("Replay queued.");
      } else {
        setDone(what === "promote" ? "Promoted." : "Retained for 30 days.");
        onChanged();
      }
    } catch (e) {
      setErr(actionError(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <section class="detail-actions" aria-label="Actions">
      <button type="button" onClick={() => act("replay")} disabled={!!busy} title="Queue a new run from this run's recipe">{busy === "replay" ? "Replaying…" : "Replay"}</button>
      <button type="button" onClick={() => act("promote")} disabled={!!busy} title="Promote this run">{busy === "promote" ? "Promoting…" : "Promote"}</button>
      <button type="button" onClick={() => act("retain")} disabled={!!busy} title="Keep this run for 30 days">{busy === "retain" ? "Retaining…" : "Retain 30 days"}</button>
      <a class="button" href={`/compare?runs=${encodeURIComponent(run.id)}`}>Compare…</a>
      {done && <span role="status" class="detail-done">{done}</span>}
      <ErrorBox error={err} />
    </section>
  );
}
