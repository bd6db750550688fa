// One schedule on /schedules: its cron, command, next firings and latest
// slot, with Pause / Resume, Remove (after a confirm step) and a link to the
// runs it queued.
import { useState } from "preact/hooks";
import { send } from "../api";
import { exactTime } from "../format";
import { When } from "./ui";
import { SubmitError } from "./newrun_bench";

export type Schedule = {
  id: string; name: string; cron: string; timezone: string; catch_up: string; paused: boolean;
  command: string[]; recipe?: any; created_at: string; updated_at: string; settled_through: string;
  next_firings: string[];
  slots: { slot: string; outcome: string; run_id?: string; reason?: string; recorded_at: string }[];
};

export function ScheduleCard({ s, onChanged }: { s: Schedule; onChanged: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const path = `/api/v1/schedules/${encodeURIComponent(s.id)}`;
  const act = async (method: "POST" | "DELETE", url: string) => {
    setBusy(true);
    setError(null);
    try {
      await send(method, url);
      setConfirm(false);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const latest = s.slots?.[0];
  const cwd = s.recipe?.cwd;
  const headingId = `schedule-${s.id}`;
  return (
    <article class="card schedules-card" aria-labelledby={headingId}>
      <header class="schedules-head">
        <h2 id={headingId}>{s.name}</h2>
        <span class={`pill ${s.paused ? "pill-other" : "pill-succeeded"}`}>{s.paused ? "Paused" : "Active"}</span>
      </header>
      <dl class="facts">
        <dt>Cron</dt>
        <dd><code>{s.cron}</code> <span class="muted">({s.timezone}; missed slots: {s.catch_up === "once" ? "fire the latest once" : "skipped"})</span></dd>
        <dt>Command</dt>
        <dd class="mono">{(s.command ?? []).join(" ")}</dd>
        {cwd && <><dt>Directory</dt><dd class="mono">{String(cwd)}</dd></>}
        <dt>Next</dt>
        <dd>
          {s.paused ? (
            <span class="muted">paused: nothing fires until it is resumed</span>
          ) : s.next_firings.length === 0 ? (
            <span class="muted">—</span>
          ) : (
            <ol class="schedules-firings" aria-label={`Next firings of ${s.name}`}>
              {s.next_firings.map((f) => <li key={f}><time dateTime={f}>{exactTime(f)}</time></li>)}
            </ol>
          )}
        </dd>
        <dt>Latest slot</dt>
        <dd data-testid="latest-slot">
          {latest ? (
            <>
              <span class={`schedules-outcome schedules-outcome-${latest.outcome}`}>{latest.outcome}</span>{" "}
              <When iso={latest.slot} />
              {latest.run_id && <> · <a href={`/runs/${encodeURIComponent(latest.run_id)}`}>run <span class="mono">{latest.run_id.slice(0, 8)}</span></a></>}
              {latest.reason && <div class="muted">{latest.reason}</div>}
            </>
          ) : (
            <span class="muted">has not fired yet</span>
          )}
        </dd>
      </dl>
      <SubmitError error={error} />
      <div class="schedules-actions">
        {s.paused ? (
          <button type="button" disabled={busy} onClick={() => act("POST", `${path}/resume`)}>Resume</button>
        ) : (
          <button type="button" disabled={busy} onClick={() => act("POST", `${path}/pause`)}>Pause</button>
        )}
        {confirm ? (
          <span class="schedules-confirm" role="group" aria-label={`Confirm removing ${s.name}`}>
            <span>Remove {s.name}? Its runs stay.</span>
            <button type="button" class="danger" disabled={busy} onClick={() => act("DELETE", path)}>Yes, remove</button>
            <button type="button" disabled={busy} onClick={() => setConfirm(false)}>Keep it</button>
          </span>
        ) : (
          <button type="button" class="danger" disabled={busy} onClick={() => setConfirm(true)}>Remove…</button>
        )}
        <a class="schedules-runs" href="/runs?kind=schedule" title="The runs list shows every scheduled run; it cannot filter by schedule yet">
          Scheduled runs
        </a>
      </div>
    </article>
  );
}
