// The runs list's table (pages/runs.tsx): how a row of GET /api/v1/runs is
// worded (command, scope, verdicts) and drawn. Everything from a run is
// rendered as text.
import { Fragment } from "preact";
import { navigate } from "../router";
import { duration, isActive, shortId } from "../format";
import { Spinner, StatusPill, When } from "./ui";

export type RunSummary = {
  name?: string | null;
  host?: string | null;
  scenarios?: number | null;
  verdicts?: { regressed: number; improved: number; unchanged: number; inconclusive: number } | null;
  needs_review?: boolean;
  duration_ms?: number | null;
  labels?: Record<string, string>;
};

export type RunRow = {
  id: string;
  kind: string;
  status: string;
  run_status?: string;
  created_at: string;
  started_at?: string | null;
  finished_at?: string | null;
  component_id?: string | null;
  rig_id?: string | null;
  git_sha?: string | null;
  command?: string | null;
  terminal_reason?: string | null;
  exit_code?: number | null;
  summary?: RunSummary | null;
};

/// The registry's status (bench rows carry the original's word in `status`
/// and ours in `run_status`).
export function runStatus(r: RunRow): string {
  return r.run_status ?? r.status;
}

/// What StatusPill reads: our status, and "Needs review" when the list's
/// summary says a verdict regressed or stayed inconclusive (a bench that
/// failed for that reason counts too; one that failed otherwise does not).
export function pillRun(r: RunRow): any {
  const status = runStatus(r);
  const reviewable =
    status === "succeeded" ||
    (status === "failed" && ["regression", "inconclusive"].includes(String(r.terminal_reason ?? "")));
  if (r.summary?.needs_review && reviewable) return { status: "succeeded", metadata: { regression: true } };
  return { status };
}

/// The words of the command after the program's name: `homeboy rig check x` → ["rig", "check", "x"].
function words(command: string | null | undefined): string[] {
  if (!command) return [];
  const w = command.trim().split(/\s+/);
  if (w.length && /(^|\/)homeboy$/.test(w[0])) w.shift();
  return w;
}

/// A bench job over several rigs queues a cross-rig comparison (its command
/// names the rigs).
function isCrossRig(r: RunRow): boolean {
  const w = words(r.command);
  for (let i = 0; i < w.length; i++) {
    const v = w[i].startsWith("--rig=") ? w[i].slice(6) : w[i] === "--rig" ? w[i + 1] ?? "" : "";
    if (v.includes(",")) return true;
  }
  return w.filter((x) => x === "--rig" || x.startsWith("--rig=")).length > 1;
}

export function humanCommand(r: RunRow): { text: string; detail?: string } {
  switch (r.kind) {
    case "bench": return { text: "bench" };
    case "comparison": return { text: words(r.command).includes("--against") ? "against" : "cross-rig" };
    case "bench-job": return { text: isCrossRig(r) ? "cross-rig job" : "bench job" };
    case "rig": {
      const w = words(r.command);
      const sub = w[0] === "rig" && w[1] && !w[1].startsWith("-") ? w[1] : "check";
      return { text: `rig ${sub}` };
    }
    case "task": return { text: "task" };
    case "schedule": return { text: "schedule" };
    case "gh_actions": return { text: "import", detail: "GitHub Actions" };
    case "loop": return { text: "import", detail: "loop archive" };
    case "trace": return { text: "import", detail: "trace" };
    default: return { text: r.kind.replace(/[_-]/g, " ") };
  }
}

export function scopeText(r: RunRow): string {
  const s = r.summary ?? {};
  if (["bench", "bench-job", "rig", "comparison"].includes(r.kind)) {
    const parts: string[] = [];
    if (r.component_id) parts.push(r.component_id);
    if (r.rig_id && r.kind !== "rig") parts.push(`rig ${r.rig_id}`);
    if (r.kind === "rig" && r.rig_id) parts.push(r.rig_id);
    if (typeof s.scenarios === "number") parts.push(`${s.scenarios} scenario${s.scenarios === 1 ? "" : "s"}`);
    if (parts.length) return parts.join(" · ");
  }
  if (s.name) return s.name;
  const w = words(r.command);
  return w.length ? w.join(" ") : r.component_id ?? "—";
}

export function VerdictSummary({ summary }: { summary?: RunSummary | null }) {
  const v = summary?.verdicts;
  if (!v) return <span class="muted">—</span>;
  const parts: [string, number][] = [
    ["regressed", v.regressed], ["improved", v.improved], ["unchanged", v.unchanged], ["inconclusive", v.inconclusive],
  ];
  const shown = parts.filter(([, n]) => n > 0);
  if (!shown.length) return <span class="muted">no verdicts</span>;
  return (
    <span class="runs-verdicts">
      {shown.map(([k, n], i) => (
        <Fragment key={k}>
          {i > 0 && <span class="muted"> · </span>}
          <span class={`verdict-${k}`}>{n} {k}</span>
        </Fragment>
      ))}
    </span>
  );
}

type RowProps = {
  run: RunRow;
  selecting: boolean;
  selected: boolean;
  onToggle: (id: string) => void;
  onCancel: (id: string) => void;
  cancelling: boolean;
};

function interactive(target: EventTarget | null): boolean {
  return !!(target as Element | null)?.closest?.("a, button, input, label, select, textarea");
}

export function RunsTableRow({ run, selecting, selected, onToggle, onCancel, cancelling }: RowProps) {
  const active = isActive({ status: runStatus(run) });
  const cmd = humanCommand(run);
  const href = `/runs/${encodeURIComponent(run.id)}`;
  const scope = scopeText(run);
  return (
    <tr
      class="clickable"
      data-run-id={run.id}
      onClick={(e) => {
        if (interactive(e.target)) return;
        if (selecting) onToggle(run.id);
        else navigate(href);
      }}
    >
      {selecting && (
        <td class="runs-select">
          <input
            type="checkbox"
            checked={selected}
            aria-label={`Select run ${shortId(run.id)} for comparison`}
            onChange={() => onToggle(run.id)}
          />
        </td>
      )}
      <td class="mono runs-id">
        {active && <Spinner label={runStatus(run)} />}
        <a href={href} title={run.id}>{shortId(run.id)}</a>
      </td>
      <td class="hide-narrow">
        {cmd.text}
        {cmd.detail && <div class="muted runs-sub">{cmd.detail}</div>}
      </td>
      <td class="runs-scope" title={scope}>
        {scope}
        <div class="muted runs-sub runs-narrow-only">{cmd.text}{cmd.detail ? ` · ${cmd.detail}` : ""}</div>
      </td>
      <td>
        <StatusPill run={pillRun(run)} />
        <div class="muted runs-sub runs-narrow-only"><When iso={run.started_at ?? run.created_at} /></div>
      </td>
      <td class="hide-narrow"><VerdictSummary summary={run.summary} /></td>
      <td class="num hide-narrow">{duration(run.summary?.duration_ms)}</td>
      <td class="hide-narrow">{run.summary?.host ?? <span class="muted">—</span>}</td>
      <td class="hide-narrow">{run.rig_id ?? <span class="muted">—</span>}</td>
      <td class="hide-narrow"><When iso={run.started_at ?? run.created_at} /></td>
      <td>
        {active && (
          <button
            type="button"
            class="danger"
            disabled={cancelling}
            aria-label={`Cancel run ${shortId(run.id)}`}
            onClick={() => onCancel(run.id)}
          >
            {cancelling ? "Cancelling…" : "Cancel"}
          </button>
        )}
      </td>
    </tr>
  );
}

export function RunsTableHead({ selecting }: { selecting: boolean }) {
  return (
    <thead>
      <tr>
        {selecting && <th><span class="visually-hidden">Select</span></th>}
        <th scope="col">ID</th>
        <th scope="col" class="hide-narrow">Command</th>
        <th scope="col">Scope</th>
        <th scope="col">Status</th>
        <th scope="col" class="hide-narrow">Verdicts</th>
        <th scope="col" class="num hide-narrow">Duration</th>
        <th scope="col" class="hide-narrow">Runner</th>
        <th scope="col" class="hide-narrow">Rig</th>
        <th scope="col" class="hide-narrow">Started</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr>
    </thead>
  );
}
