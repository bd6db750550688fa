// The run detail's event timeline (the run's events, and those that arrive
// live) and its findings. Event data is summarised as text.
import { exactTime } from "../format";
import type { RunEvent } from "../events";
import { Empty, When } from "./ui";

function scalar(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return v.length > 120 ? `${v.slice(0, 117)}…` : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length <= 4 && v.every((x) => typeof x !== "object") ? v.join(", ") : `[${v.length} items]`;
  return `{${Object.keys(v as object).length} fields}`;
}

/// `from → to` for a status change, the message for a message, else
/// `key=value` pairs.
export function summariseEvent(e: RunEvent): string {
  const d = e.data && typeof e.data === "object" ? e.data : {};
  if (e.type === "status" && ("from" in d || "to" in d)) {
    const rest = Object.entries(d).filter(([k]) => k !== "from" && k !== "to");
    return `${d.from ?? "?"} → ${d.to ?? "?"}${rest.length ? `  (${rest.map(([k, v]) => `${k}=${scalar(v)}`).join(", ")})` : ""}`;
  }
  if (typeof d.message === "string" && Object.keys(d).length <= 2) return d.message;
  return Object.entries(d).map(([k, v]) => `${k}=${scalar(v)}`).join(", ");
}

export function EventTimeline({ events, total }: { events: RunEvent[]; total?: number }) {
  return (
    <section class="card" aria-labelledby="detail-events-h">
      <h2 id="detail-events-h">Events <span class="muted detail-small">({events.length}{total && total > events.length ? ` of ${total}` : ""})</span></h2>
      {events.length === 0 ? (
        <Empty>No events recorded.</Empty>
      ) : (
        <ol class="detail-timeline">
          {events.map((e) => (
            <li key={e.seq} class={`detail-event detail-event-${/^[a-z_]+$/.test(e.type) ? e.type : "other"}`}>
              <time class="detail-event-time mono" dateTime={e.at} title={exactTime(e.at)}>{timeOfDay(e.at)}</time>
              <span class="detail-event-type">{e.type}</span>
              <span class="detail-event-data">{summariseEvent(e)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function timeOfDay(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString(undefined, { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

export function FindingsSection({ findings }: { findings: any[] }) {
  if (!findings?.length) return null;
  return (
    <section class="card" aria-labelledby="detail-findings-h">
      <h2 id="detail-findings-h">Findings <span class="muted detail-small">({findings.length})</span></h2>
      <div class="detail-scroll">
        <table>
          <thead>
            <tr><th>Severity</th><th>Tool / rule</th><th>Message</th><th class="hide-narrow">Where</th><th class="hide-narrow">Recorded</th></tr>
          </thead>
          <tbody>
            {findings.map((f) => (
              <tr key={f.id}>
                <td><span class={`detail-sev detail-sev-${/^[a-z]+$/.test(f.severity ?? "") ? f.severity : "other"}`}>{f.severity ?? "—"}</span></td>
                <td>{f.tool}{f.rule ? <div class="muted mono detail-small">{f.rule}</div> : null}</td>
                <td>{f.message}</td>
                <td class="hide-narrow mono detail-small">{f.file ? `${f.file}${f.line ? `:${f.line}` : ""}${f.column ? `:${f.column}` : ""}` : "—"}</td>
                <td class="hide-narrow"><When iso={f.created_at} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
