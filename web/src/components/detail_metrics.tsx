// A bench run's metrics on the run detail: per scenario, every metric with
// baseline, current, change with its interval, p-value and verdict (from
// GET /api/v1/compare of the baseline run and this one, the statistics
// `homeboy bench` computes), the run's warnings and reasons as diagnostics,
// and per metric two lazy charts: the samples of both sides and the
// metric's history across the component's runs.
import { useEffect, useState } from "preact/hooks";
import { get } from "../api";
import { num, pct, shortId } from "../format";
import { HistoryChart, Lazy, StripChart } from "./detail_charts";
import { ErrorBox } from "./ui";

type Row = {
  scenario: string;
  metric: string;
  current: number | null;
  base: number | null;
  change: number | null;
  verdict: string | null;
  samples: number[];
  st: any | null; // the bench statistics (a `metric_deltas` entry) when the daemon compared
};

function payloadOf(body: any): any {
  return body && typeof body === "object" && "payload" in body ? body.payload : body;
}

/// The run this bench compared with: recorded by the bench, else the
/// newest earlier run of the component that saved a baseline.
async function findBaselineRun(run: any): Promise<string | null> {
  const m = run.metadata ?? {};
  const direct = m.baseline?.run_id ?? m.comparison?.reference_run_id ?? null;
  if (typeof direct === "string" && direct) return direct;
  if (!m.baseline?.compared || !run.component_id) return null;
  const body = payloadOf(await get<any>("/api/v1/runs", { kind: "bench", component: run.component_id, until: run.created_at, limit: 50 }));
  for (const r of body?.runs ?? []) {
    if (r.id === run.id) continue;
    if (Date.parse(r.created_at) >= Date.parse(run.created_at)) continue;
    // The list rows have no metadata: read the candidates' detail.
    const d = payloadOf(await get<any>(`/api/v1/runs/${encodeURIComponent(r.id)}`));
    const dm = (d?.run ?? d)?.metadata ?? {};
    if (dm.baseline?.saved || dm.baseline?.ratcheted) return r.id;
  }
  return null;
}

type Compared = {
  baselineId: string | null;
  comparisons: any[];
  baselineValues: Record<string, Record<string, number>>;
  baselineSamples: Record<string, Record<string, number[]>>;
  note?: string;
  statistics: boolean; // the comparisons carry the bench's statistics
};

const NONE: Compared = { baselineId: null, comparisons: [], baselineValues: {}, baselineSamples: {}, statistics: false };

async function loadComparison(run: any): Promise<Compared> {
  const baselineId = await findBaselineRun(run);
  if (!baselineId) {
    return { ...NONE, note: run.metadata?.baseline?.compared ? "The baseline run is not known (the run detail does not name it)." : "This run was not compared with a baseline." };
  }
  const recorded = run.metadata?.metric_verdicts && Object.keys(run.metadata.metric_verdicts).length > 0;
  const [cmp, base] = await Promise.all([
    recorded ? Promise.resolve({ recorded: true })
      : get<any>("/api/v1/compare", { runs: `${baselineId},${run.id}` }).then(payloadOf).catch((e) => ({ refused: e })),
    get<any>(`/api/v1/runs/${encodeURIComponent(baselineId)}`).then(payloadOf).catch(() => null),
  ]);
  const baselineSamples: Record<string, Record<string, number[]>> = {};
  const baselineValues: Record<string, Record<string, number>> = {};
  for (const s of (base?.run ?? base)?.scenario_metrics ?? []) {
    baselineSamples[s.scenario_id] = s.distributions ?? {};
    baselineValues[s.scenario_id] = s.metrics ?? {};
  }
  if (cmp?.recorded) return { baselineId, comparisons: [], baselineValues, baselineSamples, statistics: true };
  if (cmp?.refused) {
    // The daemon refuses to compare runs measured with other settings, yet
    // the bench compared them with its baseline: values and change from the
    // two runs, the verdicts the bench recorded per scenario.
    return {
      baselineId, comparisons: [], baselineValues, baselineSamples, statistics: false,
      note: `The bench's interval and p-value are not in the run detail, and the daemon does not recompute them: ${String(cmp.refused?.message ?? cmp.refused)}`,
    };
  }
  const c0 = cmp?.comparisons?.[0] ?? cmp;
  return { baselineId, comparisons: c0?.comparisons ?? [], baselineValues, baselineSamples, statistics: true, note: c0?.statistics_note ?? undefined };
}

function rowsOf(run: any, compared: Compared | null): Row[] {
  const rows: Row[] = [];
  const policies = run.metadata?.metric_policies ?? {};
  const verdicts = run.metadata?.verdicts ?? {};
  for (const s of run.scenario_metrics ?? []) {
    const names = Object.keys(s.metrics ?? {}).sort((a, b) => Number(b in policies) - Number(a in policies) || a.localeCompare(b));
    for (const name of names) {
      const cmp = compared?.comparisons.find((c) => c.scenario_id === s.scenario_id && c.metric === name) ?? null;
      const current = s.metrics[name];
      // metadata.metric_verdicts: what the bench decided, as it decided it.
      const mv = run.metadata?.metric_verdicts?.[s.scenario_id]?.[name];
      if (mv && typeof mv === "object") {
        const ci = mv.change_percent;
        const st = {
          p_value: mv.p_value,
          interval: ci ? { lower: ci.lower, upper: ci.upper, unit: "percent", method: ci.method } : null,
          reason: mv.reason, remedy: mv.remedy,
        };
        rows.push({ scenario: s.scenario_id, metric: name, current, base: mv.baseline ?? null, change: mv.delta_percent ?? null, verdict: mv.verdict ?? null, samples: s.distributions?.[name] ?? [], st });
        continue;
      }
      const base = cmp?.from_value ?? compared?.baselineValues[s.scenario_id]?.[name] ?? null;
      const change = cmp ? cmp.percent_change ?? null : base !== null && base !== 0 && current !== null ? ((current - base) / Math.abs(base)) * 100 : null;
      // Without the comparison's statistics the scenario's recorded verdict
      // stands for the metric its policy judged.
      const verdict = cmp ? cmp.verdict ?? null : name in policies && base !== null ? verdicts[s.scenario_id] ?? null : null;
      rows.push({ scenario: s.scenario_id, metric: name, current, base, change, verdict, samples: s.distributions?.[name] ?? [], st: cmp?.statistics ?? null });
    }
  }
  return rows;
}

function verdictClass(v: string | null | undefined): string {
  return v && /^[a-z]+$/.test(v) ? `verdict-${v}` : "muted";
}

function interval(st: any): string {
  const i = st?.interval;
  if (!i || i.lower === undefined || i.lower === null) return "";
  const unit = i.unit === "percent" ? " %" : "";
  return `[${num(i.lower)}, ${num(i.upper)}]${unit}`;
}

function pValue(st: any): string {
  const p = st?.p_value_adjusted ?? st?.p_value;
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

export function BenchSection({ run }: { run: any }) {
  const [compared, setCompared] = useState<Compared | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    setCompared(null);
    setError(null);
    loadComparison(run)
      .then((c) => live && setCompared(c))
      .catch((e) => {
        if (!live) return;
        setError(e);
        setCompared(NONE);
      });
    return () => {
      live = false;
    };
  }, [run.id, run.finished_at]);

  const m = run.metadata ?? {};
  const verdicts: Record<string, string> = m.verdicts ?? {};
  const rows = rowsOf(run, compared);
  const warnings: string[] = [...(m.warnings ?? []), ...(m.regression_reasons ?? [])].filter((w) => typeof w === "string");
  if (m.failure?.message) warnings.unshift(String(m.failure.message));
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  return (
    <section class="card detail-bench" aria-labelledby="detail-bench-h">
      <h2 id="detail-bench-h">Metrics</h2>
      <p class="muted detail-small">
        {compared === null ? "Comparing with the baseline…"
          : compared.baselineId ? <>Baseline: run <a class="mono" href={`/runs/${encodeURIComponent(compared.baselineId)}`}>{shortId(compared.baselineId)}</a>. Change is current against baseline{compared.statistics ? "; interval (95 %) and p-value (corrected) as homeboy bench computes them" : ""}.</>
          : null}
        {m.statistics?.alpha !== undefined && <> Alpha {m.statistics.alpha}, {m.statistics.correction ?? ""} correction.</>}
      </p>
      {compared?.note && <p class="muted detail-small" data-testid="compare-note">{compared.note}</p>}
      <ErrorBox error={error} />
      {warnings.length > 0 && (
        <ul class="detail-warnings" aria-label="Diagnostics">
          {warnings.map((w) => <li class="detail-warning">⚠ {w}</li>)}
        </ul>
      )}
      {rows.length === 0 && <p class="muted">This run recorded no metrics.</p>}
      {scenarios.map((sc) => (
        <ScenarioBlock
          key={sc}
          run={run}
          scenario={sc}
          verdict={verdicts[sc] ?? null}
          rows={rows.filter((r) => r.scenario === sc)}
          baselineSamples={compared?.baselineSamples[sc] ?? null}
          comparing={compared === null}
        />
      ))}
    </section>
  );
}

function ScenarioBlock(props: { run: any; scenario: string; verdict: string | null; rows: Row[]; baselineSamples: Record<string, number[]> | null; comparing: boolean }) {
  const { run, scenario, verdict, rows } = props;
  // Charts open for the metrics with samples; the others on demand.
  const [open, setOpen] = useState<Record<string, boolean>>(() => Object.fromEntries(rows.map((r) => [r.metric, r.samples.length > 0])));
  const diagnostics = rows.filter((r) => r.st?.reason || r.st?.note);
  return (
    <div class="detail-scenario">
      <h3>
        <span class="mono">{scenario}</span>{" "}
        {verdict && <span class={`detail-verdict ${verdictClass(verdict)}`}>{verdict}</span>}
      </h3>
      {diagnostics.length > 0 && (
        <ul class="detail-warnings" aria-label={`Diagnostics of ${scenario}`}>
          {diagnostics.map((r) => (
            <li class="detail-warning">⚠ {r.metric}: {r.st.reason ?? r.st.note}{r.st.remedy ? <div class="detail-small">{r.st.remedy}</div> : null}</li>
          ))}
        </ul>
      )}
      <div class="detail-scroll">
        <table class="detail-metrics">
          <thead>
            <tr>
              <th>Metric</th>
              <th class="num">Baseline</th>
              <th class="num">Current</th>
              <th class="num">Change</th>
              <th class="num hide-narrow">Interval</th>
              <th class="num hide-narrow">p</th>
              <th>Verdict</th>
              <th><span class="visually-hidden">Charts</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.metric} data-metric={r.metric}>
                <th scope="row" class="detail-metric-name">{r.metric}</th>
                <td class="num">{r.base !== null ? num(r.base) : props.comparing ? "…" : "—"}</td>
                <td class="num">{num(r.current)}</td>
                <td class={`num ${verdictClass(r.verdict)}`}>{pct(r.change)}</td>
                <td class="num hide-narrow detail-small">{interval(r.st) || "—"}</td>
                <td class="num hide-narrow">{pValue(r.st)}</td>
                <td><span class={verdictClass(r.verdict)}>{r.verdict ?? "—"}</span></td>
                <td>
                  <button type="button" class="detail-chart-toggle" aria-expanded={!!open[r.metric]} aria-label={`Charts of ${r.metric}`}
                    onClick={() => setOpen((o) => ({ ...o, [r.metric]: !o[r.metric] }))}>
                    <span aria-hidden="true">{open[r.metric] ? "▾" : "▸"}</span><span class="detail-toggle-word"> Charts</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="detail-charts">
        {rows.filter((r) => open[r.metric]).map((r) => (
          <MetricCharts key={r.metric} run={run} row={r} baseline={props.baselineSamples?.[r.metric] ?? null} />
        ))}
      </div>
    </div>
  );
}

function MetricCharts({ run, row, baseline }: { run: any; row: Row; baseline: number[] | null }) {
  return (
    <figure class="detail-metric-charts" aria-label={`Charts of ${row.metric} in ${row.scenario}`}>
      <figcaption class="detail-small"><strong class="mono">{row.metric}</strong> <span class="muted">in {row.scenario}</span></figcaption>
      <div class="detail-chart-pair">
        <div>
          <h4>Samples</h4>
          {row.samples.length === 0 ? (
            <p class="muted detail-small">No samples recorded (a single value).</p>
          ) : (
            <Lazy label={`samples of ${row.metric}`}>
              {() => (
                <>
                  {!baseline?.length && <p class="muted detail-small">The baseline's samples are not available: this run's samples only.</p>}
                  <StripChart metric={row.metric} current={row.samples} baseline={baseline?.length ? baseline : null} />
                </>
              )}
            </Lazy>
          )}
        </div>
        <div>
          <h4>History</h4>
          {run.component_id ? (
            <Lazy label={`history of ${row.metric}`} height={160}>
              {() => <HistoryChart component={run.component_id} scenario={row.scenario} metric={row.metric} runId={run.id} rig={run.rig_id} />}
            </Lazy>
          ) : (
            <p class="muted detail-small">No component: no history.</p>
          )}
        </div>
      </div>
    </figure>
  );
}
