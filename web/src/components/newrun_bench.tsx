// The bench form of /runs/new: rig chips, a cascading component selector,
// the scope tree, an iterations × runs preset and "save as baseline";
// queued through POST /api/v1/bench, then the live /runs/new-:jobId page.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, send } from "../api";
import { navigate } from "../router";
import { ErrorBox } from "./ui";
import { ScopeSelection, ScopeTree, scopeRequest } from "./newrun_scope";

export type Scope = {
  components: { id: string; path: string; rigs: string[]; scenarios: string[]; metrics: string[]; scenario_metrics?: Record<string, string[]>; latest_run_id: string | null }[];
  rigs: { id: string; description: string; components: string[] }[];
  problems: { rig?: string; component?: string; message: string }[];
};

const PRESETS = [
  { id: "quick", label: "Quick", iterations: 5, runs: 1 },
  { id: "standard", label: "Standard", iterations: 10, runs: 3 },
  { id: "thorough", label: "Thorough", iterations: 20, runs: 5 },
];

/// An API error on submit, with what to do about a missing or wrong token.
export function SubmitError({ error }: { error: unknown }) {
  if (!error) return null;
  const auth = error instanceof ApiError && error.status === 401;
  return (
    <ErrorBox error={error}>
      {auth && (
        <p class="newrun-fix">
          The Studio has no valid token for changes. Open it from the address <code>homeboy daemon status</code> prints
          (it carries <code>#token=…</code>); your input here is kept.
        </p>
      )}
    </ErrorBox>
  );
}

/// scenario → metric names, as the scope API pairs them (from the
/// component's latest succeeded bench run).
function useScenarioMetrics(component: Scope["components"][number] | undefined) {
  return useMemo(() => {
    if (!component) return null;
    const paired = component.scenario_metrics;
    if (paired && Object.keys(paired).length) return paired;
    return Object.fromEntries(component.scenarios.map((s) => [s, [...component.metrics]]));
  }, [component]);
}

export function BenchForm({ scope, onComponent }: { scope: Scope; onComponent: (path: string) => void }) {
  const [rigs, setRigs] = useState<string[]>([]);
  const [picked, setPicked] = useState("");
  const [sel, setSel] = useState<ScopeSelection>({});
  const [preset, setPreset] = useState("quick");
  const [iterations, setIterations] = useState(5);
  const [runs, setRuns] = useState(1);
  const [baseline, setBaseline] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const offered = useMemo(
    () => scope.components.filter((c) => rigs.every((r) => c.rigs.includes(r) || scope.rigs.find((x) => x.id === r)?.components.includes(c.id))),
    [scope, rigs],
  );
  // The cascade: a component the rigs do not have is dropped; the only one
  // left is picked.
  const componentId = offered.length === 1 ? offered[0].id : offered.some((c) => c.id === picked) ? picked : "";
  const component = offered.find((c) => c.id === componentId);
  useEffect(() => {
    setSel({});
    if (component) onComponent(component.path);
  }, [componentId]);
  const tree = useScenarioMetrics(component);

  const choosePreset = (id: string) => {
    setPreset(id);
    const p = PRESETS.find((x) => x.id === id);
    if (p) {
      setIterations(p.iterations);
      setRuns(p.runs);
    }
  };

  const valid = !!component && iterations >= 1 && runs >= 1;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!component || !valid) return;
    setBusy(true);
    setError(null);
    const { scenarios, metrics } = scopeRequest(sel, tree ?? {});
    try {
      const res = await send<{ run_id: string }>("POST", "/api/v1/bench", {
        component: component.id,
        rigs,
        scenarios,
        iterations,
        runs,
        baseline,
      });
      const q = metrics.length ? `?metric=${encodeURIComponent(metrics.join(","))}` : "";
      navigate(`/runs/new-${encodeURIComponent(res.run_id)}${q}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form class="card newrun-form" aria-labelledby="newrun-bench-title" onSubmit={submit}>
      <h2 id="newrun-bench-title">Bench</h2>
      <fieldset class="newrun-fieldset">
        <legend>Rigs</legend>
        {scope.rigs.length === 0 ? (
          <p class="muted newrun-hint">
            No rigs are configured (<code>~/.config/homeboy/rigs/&lt;id&gt;.json</code>); the bench runs in the component's own directory.
          </p>
        ) : (
          <div class="chips" role="group" aria-label="Rigs">
            {scope.rigs.map((r) => {
              const on = rigs.includes(r.id);
              return (
                <button
                  key={r.id}
                  type="button"
                  class="chip"
                  aria-pressed={on}
                  title={r.description || undefined}
                  onClick={() => setRigs(on ? rigs.filter((x) => x !== r.id) : [...rigs, r.id])}
                >
                  {r.id}
                </button>
              );
            })}
          </div>
        )}
      </fieldset>

      <label>
        Component
        <select value={componentId} onChange={(e) => setPicked(e.currentTarget.value)} disabled={offered.length === 0}>
          {offered.length !== 1 && <option value="">{offered.length ? "Choose a component…" : "No component"}</option>}
          {offered.map((c) => <option key={c.id} value={c.id}>{c.id}</option>)}
        </select>
      </label>
      {offered.length === 0 && (
        <p class="muted newrun-hint">
          {rigs.length ? "No registered component is in every rig selected; untick a rig." : "No component is registered (homeboy component list)."}
        </p>
      )}
      {component && <p class="muted newrun-hint mono newrun-path">{component.path}</p>}

      {component && (
        <fieldset class="newrun-fieldset">
          <legend>Scope</legend>
          {tree ? <ScopeTree tree={tree} sel={sel} onChange={setSel} /> : <p class="muted" role="status">Loading the scenarios…</p>}
        </fieldset>
      )}

      <fieldset class="newrun-fieldset">
        <legend>Iterations × runs</legend>
        <div class="chips" role="radiogroup" aria-label="Preset">
          {PRESETS.map((p) => (
            <button key={p.id} type="button" class="chip" role="radio" aria-checked={preset === p.id} onClick={() => choosePreset(p.id)}>
              {p.label} <span class="newrun-preset-size">{p.iterations}×{p.runs}</span>
            </button>
          ))}
          <button type="button" class="chip" role="radio" aria-checked={preset === "custom"} onClick={() => setPreset("custom")}>
            Custom
          </button>
        </div>
        <div class="newrun-row">
          <label>
            Iterations
            <input type="number" min={1} value={iterations} size={5}
              onInput={(e) => { setIterations(Number(e.currentTarget.value)); setPreset("custom"); }} />
          </label>
          <label>
            Runs
            <input type="number" min={1} value={runs} size={5}
              onInput={(e) => { setRuns(Number(e.currentTarget.value)); setPreset("custom"); }} />
          </label>
        </div>
      </fieldset>

      <label class="newrun-check">
        <input type="checkbox" checked={baseline} onChange={(e) => setBaseline(e.currentTarget.checked)} />
        Save as baseline
      </label>

      <SubmitError error={error} />
      <div class="newrun-actions">
        <button type="submit" class="primary" disabled={busy || !valid}>{busy ? "Queuing…" : "Start bench"}</button>
        {!component && <span class="muted">choose a component</span>}
      </div>
    </form>
  );
}
