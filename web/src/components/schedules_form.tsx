// The add-a-schedule form of /schedules, with the cron helper: the next
// five firings of the expression as it is typed (GET /api/v1/cron/next,
// debounced), or the API's message for an expression it refuses.
import { useEffect, useState } from "preact/hooks";
import { get, send } from "../api";
import { exactTime, relativeTime } from "../format";
import { SubmitError } from "./newrun_bench";
import { parseCommand } from "../command_line";

type Next = { cron: string; timezone: string; next_firings: string[] };

export function CronHelper({ cron, timezone }: { cron: string; timezone: string }) {
  const [next, setNext] = useState<Next | null>(null);
  const [error, setError] = useState<any>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    setError(null);
    if (!cron.trim()) {
      setNext(null);
      return;
    }
    let live = true;
    setLoading(true);
    const t = window.setTimeout(() => {
      get<Next>("/api/v1/cron/next", { cron: cron.trim(), timezone: timezone.trim(), count: 5 })
        .then((n) => { if (live) { setNext(n); setError(null); } })
        .catch((e) => { if (live) { setNext(null); setError(e); } })
        .finally(() => live && setLoading(false));
    }, 300);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [cron, timezone]);

  return (
    <div class="schedules-helper" aria-live="polite" data-testid="cron-helper">
      {!cron.trim() ? (
        <p class="muted">Five fields: minute hour day-of-month month day-of-week (<code>0 3 * * *</code> is 03:00 every day), or <code>@hourly</code>, <code>@daily</code>, <code>@weekly</code>…</p>
      ) : error ? (
        <p class="schedules-invalid" role="status">{String(error.message ?? error)}</p>
      ) : next ? (
        <>
          <p class="muted">Next five firings ({next.timezone}){loading ? " …" : ""}:</p>
          <ol class="schedules-firings" aria-label="Next firings">
            {next.next_firings.map((f) => (
              <li key={f}><time dateTime={f}>{exactTime(f)}</time> <span class="muted">({relativeTime(f)})</span></li>
            ))}
          </ol>
        </>
      ) : (
        <p class="muted" role="status">Reading the expression…</p>
      )}
    </div>
  );
}

export function AddScheduleForm({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState("");
  const [cron, setCron] = useState("");
  const [timezone, setTimezone] = useState("");
  const [command, setCommand] = useState("");
  const [cwd, setCwd] = useState("");
  const [catchUp, setCatchUp] = useState("skip");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const { argv, error: parseError } = parseCommand(command);
  const why = !name.trim() ? "name the schedule" : !cron.trim() ? "write a cron expression"
    : parseError ? parseError : argv.length === 0 ? "type the command" : !cwd.trim() ? "name a working directory" : "";

  const submit = async (e: Event) => {
    e.preventDefault();
    if (why) return;
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { name: name.trim(), cron: cron.trim(), argv, cwd: cwd.trim(), catch_up: catchUp };
      if (timezone.trim()) body.timezone = timezone.trim();
      await send("POST", "/api/v1/schedules", body);
      setName("");
      setCron("");
      setCommand("");
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card schedules-form" aria-labelledby="schedules-add-title" onSubmit={submit}>
      <h2 id="schedules-add-title">Add a schedule</h2>
      <div class="schedules-fields">
        <label>
          Name
          <input value={name} placeholder="nightly-bench" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Cron
          <input class="mono" value={cron} placeholder="0 3 * * *" onInput={(e) => setCron(e.currentTarget.value)} />
        </label>
        <label>
          Time zone (optional)
          <input value={timezone} placeholder="the daemon's zone" onInput={(e) => setTimezone(e.currentTarget.value)} />
        </label>
        <label>
          Missed slots
          <select value={catchUp} onChange={(e) => setCatchUp(e.currentTarget.value)}>
            <option value="skip">skip them</option>
            <option value="once">fire the latest once</option>
          </select>
        </label>
      </div>
      <CronHelper cron={cron} timezone={timezone} />
      <label class="schedules-wide">
        Command
        <input class="mono" value={command} placeholder="bench my-component --iterations 20" onInput={(e) => setCommand(e.currentTarget.value)} />
      </label>
      <p class="muted schedules-hint">
        As <code>homeboy runs submit -- &lt;command&gt;</code> takes it; <code>bench &lt;component&gt; …</code> runs homeboy's own bench.
      </p>
      <label class="schedules-wide">
        Working directory
        <input class="mono" value={cwd} placeholder="/absolute/path" onInput={(e) => setCwd(e.currentTarget.value)} />
      </label>
      <SubmitError error={error} />
      <div class="schedules-actions">
        <button type="submit" class="primary" disabled={busy || !!why}>{busy ? "Adding…" : "Add schedule"}</button>
        {why && <span class="muted">{why}</span>}
      </div>
    </form>
  );
}
