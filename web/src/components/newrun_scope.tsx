// The scope tree of the bench form: scenario → metric, additive. Nothing
// ticked means everything; ticking a scenario selects it with all its
// metrics; ticking a metric narrows its scenario to the metrics ticked;
// unticking the last metric widens back to the whole scenario, unticking a
// scenario widens back to everything.

/// scenario → the metrics ticked under it ([] = all of its metrics). A
/// scenario absent from the map is not ticked; an empty map is everything.
export type ScopeSelection = Record<string, string[]>;

export function toggleScenario(sel: ScopeSelection, scenario: string): ScopeSelection {
  const next = { ...sel };
  if (scenario in next) delete next[scenario];
  else next[scenario] = [];
  return next;
}

export function toggleMetric(sel: ScopeSelection, scenario: string, metric: string): ScopeSelection {
  const next = { ...sel };
  const cur = next[scenario] ?? [];
  next[scenario] = cur.includes(metric) ? cur.filter((m) => m !== metric) : [...cur, metric];
  return next;
}

/// The scenarios the bench is asked for ([] = all) and the metrics the run
/// page is asked to show ([] = all).
export function scopeRequest(sel: ScopeSelection, tree: Record<string, string[]>): { scenarios: string[]; metrics: string[] } {
  const scenarios = Object.keys(sel);
  if (scenarios.length === 0) return { scenarios: [], metrics: [] };
  // A metric filter only when every ticked scenario is narrowed; a whole
  // scenario beside a narrowed one needs all of its own metrics shown.
  const narrowed = scenarios.every((s) => sel[s].length > 0);
  const metrics = new Set<string>();
  if (narrowed) for (const s of scenarios) sel[s].forEach((m) => metrics.add(m));
  else for (const s of scenarios) (sel[s].length ? sel[s] : tree[s] ?? []).forEach((m) => metrics.add(m));
  const all = new Set(scenarios.flatMap((s) => tree[s] ?? []));
  return { scenarios, metrics: metrics.size === all.size ? [] : [...metrics].sort() };
}

export function scopeSummary(sel: ScopeSelection, tree: Record<string, string[]>): string {
  const names = Object.keys(sel);
  if (names.length === 0) {
    const n = Object.keys(tree).length;
    return n ? `Everything: all ${n} scenario${n === 1 ? "" : "s"}, every metric` : "Everything the component's bench runs";
  }
  return names
    .map((s) => (sel[s].length ? `${s} (${sel[s].join(", ")})` : `${s} (all metrics)`))
    .join("; ");
}

export function ScopeTree({ tree, sel, onChange }: {
  tree: Record<string, string[]>;
  sel: ScopeSelection;
  onChange: (s: ScopeSelection) => void;
}) {
  const scenarios = Object.keys(tree);
  if (scenarios.length === 0) {
    return (
      <p class="muted newrun-hint">
        This component has no bench run yet, so its scenarios are not known: the bench runs every scenario.
      </p>
    );
  }
  const everything = Object.keys(sel).length === 0;
  return (
    <div>
      <ul class="newrun-tree" aria-label="Scenarios and metrics">
        {scenarios.map((s) => {
          const ticked = s in sel;
          const whole = ticked && sel[s].length === 0;
          return (
            <li key={s}>
              <label class="newrun-check">
                <input type="checkbox" checked={ticked} onChange={() => onChange(toggleScenario(sel, s))} />
                <span class="mono">{s}</span>
                <span class="muted newrun-included">
                  {everything ? "included" : whole ? "all metrics" : ticked ? `${sel[s].length} of ${tree[s].length} metrics` : ""}
                </span>
              </label>
              {tree[s].length > 0 && (
                <ul aria-label={`Metrics of ${s}`}>
                  {tree[s].map((m) => (
                    <li key={m}>
                      <label class="newrun-check">
                        <input
                          type="checkbox"
                          checked={ticked && sel[s].includes(m)}
                          onChange={() => onChange(toggleMetric(sel, s, m))}
                        />
                        <span class="mono">{m}</span>
                      </label>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
      <p class="newrun-scope" aria-live="polite"><strong>Scope:</strong> {scopeSummary(sel, tree)}</p>
      {!everything && (
        <button type="button" class="newrun-link" onClick={() => onChange({})}>Clear: everything</button>
      )}
      <p class="muted newrun-hint">
        The bench measures every metric of the scenarios it runs; ticking metrics only narrows what the run's page shows
        (they are passed on in its address).
      </p>
    </div>
  );
}
