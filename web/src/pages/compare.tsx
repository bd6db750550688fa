// /compare?runs=A,B[,C[,D]]: 2 to 4 bench runs side by side, each against
// the first (GET /api/v1/compare), with the samples of every metric as a
// strip chart (the samples come from each run's detail, GET /api/v1/runs/{id}).
import { useEffect, useMemo, useState } from "preact/hooks";
import { get } from "../api";
import { shortId } from "../format";
import { ErrorBox, When } from "../components/ui";
import { CompareGrid, gridLines } from "../components/compare_grid";
import { COMPARE_COLOURS, StripChart } from "../components/compare_chart";

type CompareSet = { baseline: string; comparisons: any[] };

function BackLink() {
  return <p><a href="/runs">← Back to the runs</a></p>;
}

/// The run's samples by scenario and metric, from its detail.
function samplesOf(detail: any): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of detail?.run?.scenario_metrics ?? detail?.scenario_metrics ?? []) {
    for (const [metric, list] of Object.entries(s?.distributions ?? {})) {
      if (Array.isArray(list)) out.set(`${s.scenario_id}\u0000${metric}`, list.filter((v) => typeof v === "number"));
    }
  }
  return out;
}

function RunHeader({ id, index, detail }: { id: string; index: number; detail: any }) {
  const run = detail?.run ?? null;
  return (
    <div class="compare-run card">
      <span class={`compare-swatch compare-swatch-${index % COMPARE_COLOURS.length}`} aria-hidden="true" />
      <div>
        <div>
          <a href={`/runs/${encodeURIComponent(id)}`} class="mono" title={id}>{shortId(run?.id ?? id)}</a>{" "}
          <span class="muted">{index === 0 ? "baseline" : `run ${index + 1}`}</span>
        </div>
        {run && (
          <div class="muted compare-run-facts">
            {[run.component_id, run.rig_id && `rig ${run.rig_id}`, run.git_sha && `git ${String(run.git_sha).slice(0, 10)}`]
              .filter(Boolean)
              .join(" · ")}
            {" · "}
            <When iso={run.started_at ?? run.created_at} />
          </div>
        )}
      </div>
    </div>
  );
}

export function ComparePage({ query }: { query: URLSearchParams }) {
  const raw = query.get("runs") ?? "";
  const ids = useMemo(() => raw.split(",").map((s) => s.trim()).filter(Boolean), [raw]);
  const [data, setData] = useState<CompareSet | null>(null);
  const [details, setDetails] = useState<any[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const countProblem =
    ids.length < 2 || ids.length > 4
      ? `Compare takes 2 to 4 runs (the first is the baseline); this address names ${ids.length}. Pick them on the runs page with Compare…`
      : null;

  useEffect(() => {
    if (countProblem) return;
    let live = true;
    setLoading(true);
    setError(null);
    setData(null);
    setDetails([]);
    get<CompareSet>("/api/v1/compare", { runs: ids.join(",") })
      .then((d) => live && setData(d))
      .catch((e) => live && setError(e))
      .finally(() => live && setLoading(false));
    // Samples for the charts; a run whose detail fails only loses its chart.
    Promise.all(ids.map((id) => get(`/api/v1/runs/${encodeURIComponent(id)}`).catch(() => null))).then(
      (d) => live && setDetails(d),
    );
    return () => {
      live = false;
    };
  }, [raw]);

  const runIds = useMemo(() => {
    if (!data) return ids;
    const full = [data.comparisons?.[0]?.baseline?.run?.id ?? ids[0]];
    data.comparisons.forEach((c, i) => full.push(c?.candidate?.run?.id ?? ids[i + 1]));
    return full as string[];
  }, [data, ids]);
  const lines = useMemo(() => (data ? gridLines(data.comparisons ?? [], runIds.length) : []), [data, runIds]);
  const samples = useMemo(() => details.map(samplesOf), [details]);
  // A chart for each metric that recorded samples (summary statistics such as p95 did not).
  const charted = useMemo(
    () =>
      lines
        .map((l) => ({
          key: `${l.scenario}/${l.metric}`,
          title: `${l.scenario} · ${l.metric}`,
          samples: samples.map((m) => m.get(`${l.scenario}\u0000${l.metric}`) ?? null),
        }))
        .filter((c) => c.samples.some((s) => s && s.length)),
    [lines, samples],
  );
  const notes = (data?.comparisons ?? []).map((c) => c?.statistics_note).filter(Boolean) as string[];

  return (
    <main class="page compare-page">
      <h1>Compare runs</h1>
      {countProblem && (
        <>
          <div class="error-box" role="alert">{countProblem}</div>
          <BackLink />
        </>
      )}
      {!countProblem && (
        <>
          <div class="compare-runs">
            {runIds.map((id, i) => <RunHeader key={id} id={id} index={i} detail={details[i]} />)}
          </div>
          {loading && <p class="muted" role="status">Comparing {ids.length} runs…</p>}
          {error ? (
            <>
              <ErrorBox error={error}>
                <div>Compare takes 2 to 4 bench runs; each is compared with the first.</div>
              </ErrorBox>
              <BackLink />
            </>
          ) : null}
          {data && (
            <>
              {notes.map((n) => <p class="banner banner-warn" key={n}>{n}</p>)}
              {lines.length ? (
                <CompareGrid runIds={runIds} lines={lines} labels={runIds.map(shortId)} />
              ) : (
                <div class="empty">These runs share no metric to compare.</div>
              )}
              {lines.length > 0 && (
                <>
                  <h2>Samples</h2>
                  {!details.length && <p class="muted" role="status">Loading samples…</p>}
                  {details.length > 0 && (
                    <>
                      {!charted.length && <p class="muted">None of these metrics recorded its samples.</p>}
                      <div class="compare-charts">
                        {charted.map((c) => (
                          <StripChart key={c.key} title={c.title} runIds={runIds} samples={c.samples} />
                        ))}
                      </div>
                    </>
                  )}
                </>
              )}
              <BackLink />
            </>
          )}
        </>
      )}
    </main>
  );
}
