// The live /runs/new-:jobId page: follows the bench job's event stream
// (which starts at the job's first event, so nothing is missed) and becomes
// /runs/:id the moment the job announces the bench run it recorded
// (`produced`). A job that settles without producing one shows its status,
// its log and why.
import { useEffect, useRef, useState } from "preact/hooks";
import { get, send } from "../api";
import { RunEvent, useEventStream } from "../events";
import { navigate, useLocation } from "../router";
import { Connection, ErrorBox, Spinner, StatusPill, When } from "./ui";

const SETTLED = ["succeeded", "failed", "cancelled", "timed_out"];

type Line = { key: string; stream: string; text: string };

export function NewRunLive({ jobId }: { jobId: string }) {
  const { query } = useLocation();
  const [job, setJob] = useState<any>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [status, setStatus] = useState<string>("");
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [lines, setLines] = useState<Line[]>([]);
  const seen = useRef(new Set<string>());
  const gone = useRef(false);

  const produced = (runId: unknown) => {
    if (typeof runId !== "string" || gone.current) return;
    gone.current = true;
    const metric = query.get("metric");
    navigate(`/runs/${encodeURIComponent(runId)}${metric ? `?metric=${encodeURIComponent(metric)}` : ""}`, { replace: true });
  };

  useEffect(() => {
    let live = true;
    get<any>(`/api/v1/runs/${encodeURIComponent(jobId)}`)
      .then((res) => {
        if (!live) return;
        const run = res?.run ?? res;
        setJob(run);
        setStatus((s) => s || String(run?.run_status ?? run?.status ?? ""));
        const p = (run?.events ?? []).find((e: any) => e?.type === "produced");
        if (p) produced(p.data?.run_id);
      })
      .catch((e) => live && setLoadError(e));
    return () => {
      live = false;
    };
  }, [jobId]);

  const settled = SETTLED.includes(status);
  // The daemon ends the stream once the job settled and its last output was
  // sent (which may come after the settling status); a reconnect would
  // replay it all, so the page stops following when a settled job's stream
  // ends.
  const [ended, setEnded] = useState(false);
  const state = useEventStream(ended || loadError ? null : `/api/v1/runs/${encodeURIComponent(jobId)}/events`, (e, type) => {
    if (type === "log") {
      const d: any = e;
      const key = `${d.attempt ?? 0}:${d.stream}:${d.offset}`;
      if (seen.current.has(key)) return;
      seen.current.add(key);
      const text = String(d.text ?? "");
      const parts = text.replace(/\n$/, "").split("\n");
      setLines((ls) => [...ls, ...parts.map((t, i) => ({ key: `${key}:${i}`, stream: String(d.stream ?? ""), text: t }))].slice(-500));
      return;
    }
    const key = `e${e.seq}`;
    if (seen.current.has(key)) return;
    seen.current.add(key);
    setEvents((es) => [...es, e]);
    if (e.type === "produced") produced(e.data?.run_id);
    if (e.type === "status" && e.data?.to) setStatus(String(e.data.to));
    if (e.type === "settled" && e.data?.status) setStatus(String(e.data.status));
  });

  useEffect(() => {
    if (settled && state === "retrying") setEnded(true);
  }, [settled, state]);

  // A settled status from the stream: read the job again for its outcome.
  useEffect(() => {
    if (!settled) return;
    get<any>(`/api/v1/runs/${encodeURIComponent(jobId)}`).then((res) => {
      const run = res?.run ?? res;
      setJob(run);
      const p = (run?.events ?? []).find((e: any) => e?.type === "produced");
      if (p) produced(p.data?.run_id);
    }).catch(() => {});
  }, [settled]);

  const run = { ...(job ?? {}), status: status || job?.run_status };
  const [cancelError, setCancelError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  const cancel = async () => {
    setCancelling(true);
    setCancelError(null);
    try {
      await send("POST", `/api/v1/runs/${encodeURIComponent(jobId)}/cancel`, { reason: "cancelled from the Studio" });
    } catch (e: any) {
      setCancelError(
        e?.code?.startsWith?.("auth.")
          ? { code: e.code, message: `${e.message}. Open the Studio from the address \`homeboy daemon status\` prints (it carries the token).` }
          : e,
      );
      setCancelling(false);
    }
  };
  const command = Array.isArray(job?.command) ? job.command.join(" ") : job?.command;
  const failed = settled && status !== "succeeded";

  return (
    <main class="page newrun-live">
      {!settled && <Connection state={state} />}
      <p><a href="/runs/new">← New run</a></p>
      <h1>
        {!settled && !loadError ? <Spinner label="waiting for the bench" /> : null}
        Bench job <span class="mono">{jobId.slice(0, 8)}</span>
      </h1>
      <ErrorBox error={loadError} />
      {!loadError && (
        <div class="card">
          <dl class="facts">
            <dt>Status</dt>
            <dd>{status ? <StatusPill run={run} /> : <span class="muted">loading…</span>}</dd>
            {command && <><dt>Command</dt><dd class="mono">{command}</dd></>}
            {job?.created_at && <><dt>Submitted</dt><dd><When iso={job.created_at} /></dd></>}
            {query.get("metric") && <><dt>Metrics shown</dt><dd class="mono">{query.get("metric")}</dd></>}
          </dl>
          <p class="newrun-hint" role="status">
            {settled
              ? failed
                ? ""
                : "The job finished; looking for the bench run it recorded…"
              : "Waiting for the bench to record its run; this page becomes the run's page the moment it exists."}
          </p>
          {!settled && (
            <p>
              <button type="button" class="danger" onClick={cancel} disabled={cancelling}>
                {cancelling ? "Cancelling…" : "Cancel"}
              </button>
            </p>
          )}
          <ErrorBox error={cancelError} />
        </div>
      )}
      {failed && (
        <ErrorBox error={{ code: `job.${status}`, message: `the bench job ended ${status.replace(/_/g, " ")} before it recorded a bench run; its log is below.` }}>
          {" "}<a href={`/runs/${encodeURIComponent(jobId)}`}>Open the job's page</a>
        </ErrorBox>
      )}
      <h2>Log</h2>
      {lines.length === 0 ? (
        <p class="muted">{settled ? "The job wrote no output." : "No output yet."}</p>
      ) : (
        <pre class="log" aria-label="Job log">
          {lines.map((l) => <div key={l.key} class={l.stream === "stderr" ? "newrun-stderr" : undefined}>{l.text}</div>)}
        </pre>
      )}
      {events.length > 0 && (
        <>
          <h2>Events</h2>
          <ol class="newrun-events">
            {events.map((e) => (
              <li key={e.seq}>
                <When iso={e.at} /> <span class="mono">{e.type}</span>
                {e.type === "status" && e.data?.to ? <span class="muted"> → {String(e.data.to)}</span> : null}
                {e.data?.message ? <span class="muted"> {String(e.data.message)}</span> : null}
              </li>
            ))}
          </ol>
        </>
      )}
    </main>
  );
}
