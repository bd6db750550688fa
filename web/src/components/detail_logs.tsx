// The run detail's logs: the last lines of stdout and stderr from
// GET /api/v1/runs/{id}/logs?tail=200, and while the run is active the
// lines its event stream sends (`log` events), appended as they arrive.
// Every line is rendered as text.
import { useEffect, useState } from "preact/hooks";
import { ApiError, get } from "../api";
import { ErrorBox } from "./ui";

export type LogLine = { stream: "stdout" | "stderr"; text: string };

export const LOG_TAIL = 200;
const KEEP = 5000;

/// Splits a stream's text into lines (a final newline ends the last line).
export function splitLines(stream: LogLine["stream"], text: string): LogLine[] {
  if (!text) return [];
  const parts = text.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts.map((t) => ({ stream, text: t }));
}

/// Keeps at most KEEP lines (the newest).
export function appendLines(prev: LogLine[], more: LogLine[]): LogLine[] {
  const all = prev.concat(more);
  return all.length > KEEP ? all.slice(all.length - KEEP) : all;
}

/// The tail of a settled (or just settled) run's output: stdout lines, then
/// stderr lines (the API keeps them apart and has no interleaving).
export async function fetchLogTail(runId: string): Promise<LogLine[]> {
  const body = await get<any>(`/api/v1/runs/${encodeURIComponent(runId)}/logs`, { tail: LOG_TAIL });
  const p = body?.payload ?? body;
  return [...splitLines("stdout", String(p?.stdout ?? "")), ...splitLines("stderr", String(p?.stderr ?? ""))];
}

export function LogView(props: { lines: LogLine[] | null; error: unknown; live: boolean; note?: string }) {
  const { lines, error, live } = props;
  const [only, setOnly] = useState<"both" | "stdout" | "stderr">("both");
  const [follow, setFollow] = useState(true);
  const [box, setBox] = useState<HTMLPreElement | null>(null);
  const shown = (lines ?? []).filter((l) => only === "both" || l.stream === only);
  useEffect(() => {
    if (box && follow) box.scrollTop = box.scrollHeight;
  }, [box, follow, shown.length]);
  const noLogs = error instanceof ApiError && error.code === "run.no_logs";
  return (
    <section class="card detail-logs" aria-labelledby="detail-logs-h">
      <div class="detail-section-head">
        <h2 id="detail-logs-h">Logs {live && <span class="detail-live-tag">live</span>}</h2>
        <div class="detail-log-controls" role="group" aria-label="Which output">
          {(["both", "stdout", "stderr"] as const).map((k) => (
            <button type="button" class="chip" aria-pressed={only === k} onClick={() => setOnly(k)}>{k}</button>
          ))}
          {live && (
            <label class="detail-inline-label">
              <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} />
              follow
            </label>
          )}
        </div>
      </div>
      {props.note && <p class="muted detail-small">{props.note}</p>}
      {noLogs ? (
        <p class="muted">{(error as ApiError).message}</p>
      ) : (
        <ErrorBox error={error} />
      )}
      {lines === null && !error && <p class="muted">Loading the logs…</p>}
      {lines !== null && shown.length === 0 && !error && (
        <p class="muted">{live ? "No output yet." : "No output."}</p>
      )}
      {shown.length > 0 && (
        <pre class="log detail-log" ref={setBox} tabIndex={0} aria-label="Log lines" data-testid="log">
          {shown.map((l) => (
            <span class={`detail-line detail-${l.stream}`} data-stream={l.stream} title={l.stream}>
              {l.text}
              {"\n"}
            </span>
          ))}
        </pre>
      )}
    </section>
  );
}
