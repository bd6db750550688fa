// The task form beside the bench form on /runs/new: a command line (split
// into argv), a working directory and a timeout, queued as a task run
// through POST /api/v1/runs; on success the run's page opens.
import { useState } from "preact/hooks";
import { send } from "../api";
import { navigate } from "../router";
import { SubmitError } from "./newrun_bench";
import { parseCommand } from "../command_line";

export function TaskForm({ defaultCwd }: { defaultCwd: string }) {
  const [command, setCommand] = useState("");
  const [cwd, setCwd] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [timeout, setTimeoutText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const dir = cwd ?? defaultCwd;

  const { argv, error: parseError } = parseCommand(command);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (parseError || argv.length === 0 || !dir.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { argv, cwd: dir.trim() };
      if (name.trim()) body.name = name.trim();
      if (timeout.trim()) body.timeout = timeout.trim();
      const res = await send<{ run_id: string }>("POST", "/api/v1/runs", body);
      navigate(`/runs/${encodeURIComponent(res.run_id)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const why = parseError ? parseError : argv.length === 0 ? "type a command" : !dir.trim() ? "name a working directory" : "";
  return (
    <form class="card newrun-form" aria-labelledby="newrun-task-title" onSubmit={submit}>
      <h2 id="newrun-task-title">Task</h2>
      <p class="muted newrun-hint">Any command, queued for the daemon's worker like <code>homeboy runs submit -- &lt;command&gt;</code>.</p>
      <label>
        Command
        <input class="mono" value={command} placeholder="./scripts/sync.sh --all" onInput={(e) => setCommand(e.currentTarget.value)} />
      </label>
      {argv.length > 0 && !parseError && (
        <ul class="newrun-argv" aria-label="Arguments">
          {argv.map((a, i) => <li key={i}><code>{a}</code></li>)}
        </ul>
      )}
      {parseError && <p class="newrun-invalid" role="status">{parseError}</p>}
      <label>
        Working directory
        <input class="mono" value={dir} placeholder="/absolute/path" onInput={(e) => setCwd(e.currentTarget.value)} />
      </label>
      <div class="newrun-row">
        <label>
          Name (optional)
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Timeout (optional)
          <input value={timeout} placeholder="10m" size={8} onInput={(e) => setTimeoutText(e.currentTarget.value)} />
        </label>
      </div>
      <SubmitError error={error} />
      <div class="newrun-actions">
        <button type="submit" class="primary" disabled={busy || !!why}>{busy ? "Queuing…" : "Run task"}</button>
        {why && !busy && <span class="muted">{why}</span>}
      </div>
    </form>
  );
}
