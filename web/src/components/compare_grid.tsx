// The comparison grid of /compare (pages/compare.tsx): one row per
// scenario and metric, one column per run; runs 2..n against the first
// (GET /api/v1/compare: each entry of `comparisons` is a runs.bench-compare
// payload whose rows carry from/to values, the change, its interval,
// p-values and the verdict).
import { num, pct } from "../format";

export type CompareRow = {
  scenario_id: string;
  metric: string;
  from_value: number;
  to_value: number;
  delta: number;
  percent_change: number | null;
  from_samples: number;
  to_samples: number;
  verdict: string | null;
  statistics: any | null;
};

export type Cell = { value: number | null; row: CompareRow | null; missing: boolean };
export type GridLine = { scenario: string; metric: string; cells: Cell[]; lowerIsBetter: boolean; best: number | null };

/// Rows of the grid, in the order the first comparison lists them, then any
/// only the later ones have.
export function gridLines(comparisons: any[], runCount: number): GridLine[] {
  const lines = new Map<string, GridLine>();
  const key = (s: string, m: string) => `${s}\u0000${m}`;
  const line = (s: string, m: string) => {
    let l = lines.get(key(s, m));
    if (!l) {
      l = {
        scenario: s, metric: m, lowerIsBetter: true, best: null,
        cells: Array.from({ length: runCount }, () => ({ value: null, row: null, missing: true })),
      };
      lines.set(key(s, m), l);
    }
    return l;
  };
  comparisons.forEach((c, i) => {
    for (const r of (c?.comparisons ?? []) as CompareRow[]) {
      const l = line(r.scenario_id, r.metric);
      l.cells[0] = { value: r.from_value, row: null, missing: false };
      l.cells[i + 1] = { value: r.to_value, row: r, missing: false };
      const dir = r.statistics?.direction;
      if (dir === "higher_is_better") l.lowerIsBetter = false;
    }
    for (const m of (c?.missing ?? []) as any[]) line(m.scenario_id, m.metric);
  });
  for (const l of lines.values()) {
    let best: number | null = null;
    l.cells.forEach((c, i) => {
      if (c.value === null || !Number.isFinite(c.value)) return;
      if (best === null) { best = i; return; }
      const b = l.cells[best].value as number;
      if (l.lowerIsBetter ? c.value < b : c.value > b) best = i;
    });
    // A row where every run has the same value has no best.
    const values = l.cells.map((c) => c.value).filter((v): v is number => v !== null);
    l.best = values.length > 1 && values.some((v) => v !== values[0]) ? best : null;
  }
  // Each scenario's metrics with a verdict first (the summary statistics after).
  const all = [...lines.values()];
  const order = new Map<string, number>();
  all.forEach((l) => order.has(l.scenario) || order.set(l.scenario, order.size));
  const judged = (l: GridLine) => (l.cells.some((c) => c.row?.verdict) ? 0 : 1);
  return all
    .map((l, i) => ({ l, i }))
    .sort((a, b) => order.get(a.l.scenario)! - order.get(b.l.scenario)! || judged(a.l) - judged(b.l) || a.i - b.i)
    .map((x) => x.l);
}

function interval(row: CompareRow): string | null {
  const s = row.statistics;
  if (!s) return null;
  if (s.interval && Number.isFinite(s.interval.lower)) {
    const f = (v: number) => `${v > 0 ? "+" : ""}${v.toFixed(1)}`;
    return `[${f(s.interval.lower)}, ${f(s.interval.upper)}] %`;
  }
  if (s.shift && Number.isFinite(s.shift.lower)) return `[${num(s.shift.lower)}, ${num(s.shift.upper)}]`;
  return null;
}

/// The p-value of the side the change went (as runs bench-compare prints it).
function pValue(row: CompareRow): string | null {
  const s = row.statistics;
  if (!s) return null;
  const worse = (s.direction === "lower_is_better") === (Number(s.delta) > 0);
  const v = worse ? s.p_value_adjusted ?? s.p_value : s.improvement_p_value_adjusted ?? s.improvement_p_value;
  if (typeof v !== "number" || !Number.isFinite(v)) return null;
  return v < 0.001 ? "p < 0.001" : `p = ${v.toFixed(3)}`;
}

function ChangeCell({ row }: { row: CompareRow }) {
  const verdict = row.verdict ?? row.statistics?.verdict ?? null;
  const ci = interval(row);
  const p = pValue(row);
  return (
    <div class="compare-change">
      <span>{pct(row.percent_change)}</span>
      {ci && <span class="muted" title="confidence interval of the change">{ci}</span>}
      {p && <span class="muted">{p}</span>}
      {verdict ? <span class={`compare-verdict verdict-${verdict}`}>{verdict}</span> : <span class="muted">no verdict</span>}
    </div>
  );
}

export function CompareGrid({ runIds, lines, labels }: { runIds: string[]; lines: GridLine[]; labels: string[] }) {
  return (
    <div class="compare-grid-wrap">
      <table class="compare-grid">
        <caption class="visually-hidden">Every metric of the runs, each run against the first</caption>
        <thead>
          <tr>
            <th scope="col">Scenario · metric</th>
            {runIds.map((id, i) => (
              <th scope="col" key={id}>
                <a href={`/runs/${encodeURIComponent(id)}`} class="mono" title={id}>{labels[i]}</a>
                <div class="muted compare-role">{i === 0 ? "baseline" : "vs baseline"}</div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={`${l.scenario}/${l.metric}`}>
              <th scope="row">
                <div>{l.scenario}</div>
                <div class="muted compare-metric">
                  {l.metric} <span class="hide-narrow" title={l.lowerIsBetter ? "lower is better" : "higher is better"}>({l.lowerIsBetter ? "lower is better" : "higher is better"})</span>
                </div>
              </th>
              {l.cells.map((c, i) => (
                <td key={i} class={`compare-cell${l.best === i ? " compare-best" : ""}`}>
                  {c.value === null ? (
                    <span class="muted">not recorded</span>
                  ) : (
                    <>
                      <div class="compare-value">
                        {num(c.value)}
                        {l.best === i && <span class="compare-best-tag"> best</span>}
                      </div>
                      {i > 0 && c.row && <ChangeCell row={c.row} />}
                    </>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
