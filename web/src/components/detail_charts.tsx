// The run detail's charts (uPlot): a metric's samples as a strip of both
// sides (baseline and current), and its history across the component's
// bench runs with change points marked. Charts are made only when their
// place scrolls into view or on a "Show chart" click, so a run with many
// metrics stays fast.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { get } from "../api";
import { num, shortId } from "../format";
import { navigate } from "../router";
import { ErrorBox } from "./ui";

const BASE = "#8a5a00";
const CUR = "#1f5fbf";
const CHANGE = "#a3221b";

/// Renders `children` once the placeholder was visible (or clicked).
export function Lazy({ label, children, height = 180 }: { label: string; children: () => ComponentChildren; height?: number }) {
  const [shown, setShown] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (shown || !ref.current || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        setShown(true);
        io.disconnect();
      }
    }, { rootMargin: "100px" });
    io.observe(ref.current);
    return () => io.disconnect();
  }, [shown]);
  if (shown) return <>{children()}</>;
  return (
    <div ref={ref} class="detail-chart-placeholder" style={{ minHeight: `${height}px` }}>
      <button type="button" onClick={() => setShown(true)}>Show chart: {label}</button>
    </div>
  );
}

/// A uPlot chart that follows its container's width.
function Plot({ make, data, label, height }: { make: (width: number) => uPlot.Options; data: uPlot.AlignedData; label: string; height: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(240, Math.floor(el.clientWidth || 400));
    const plot = new uPlot({ ...make(width), height }, data, el);
    const ro = typeof ResizeObserver !== "undefined"
      ? new ResizeObserver(() => {
          const w = Math.max(240, Math.floor(el.clientWidth));
          if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height });
        })
      : null;
    ro?.observe(el);
    return () => {
      ro?.disconnect();
      plot.destroy();
    };
  }, [data]);
  return <div ref={box} class="detail-plot" role="img" aria-label={label} />;
}

/// Spreads n points over [-w, w] deterministically (no random jitter: the
/// same run draws the same picture).
function jitter(i: number, n: number, w = 0.22): number {
  if (n <= 1) return 0;
  return -w + (2 * w * ((i * 0.6180339887) % 1));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function StripChart({ metric, current, baseline }: { metric: string; current: number[]; baseline: number[] | null }) {
  const groups: { name: string; values: number[]; color: string }[] = [];
  if (baseline && baseline.length) groups.push({ name: "baseline", values: baseline, color: BASE });
  groups.push({ name: "current", values: current, color: CUR });
  const pts: { x: number; g: number; y: number }[] = [];
  groups.forEach((g, gi) => g.values.forEach((y, i) => pts.push({ x: gi + 1 + jitter(i, g.values.length), g: gi, y })));
  pts.sort((a, b) => a.x - b.x);
  const data: uPlot.AlignedData = [
    pts.map((p) => p.x),
    ...groups.map((_, gi) => pts.map((p) => (p.g === gi ? p.y : null))),
  ] as uPlot.AlignedData;
  const medians = groups.map((g) => median(g.values));
  const make = (width: number): uPlot.Options => ({
    width,
    height: 180,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    scales: { x: { time: false, range: [0.5, groups.length + 0.5] } },
    axes: [
      { splits: () => groups.map((_, i) => i + 1), values: () => groups.map((g) => g.name), grid: { show: false } },
      { size: 60, values: (_u, vals) => vals.map((v) => num(v)) },
    ],
    series: [
      {},
      ...groups.map((g) => ({
        label: `${g.name} (${g.values.length})`,
        stroke: g.color,
        fill: g.color,
        paths: () => null,
        points: { show: true, size: 6, stroke: g.color, fill: g.color },
        value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? "—" : num(v)),
      })),
    ],
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.lineWidth = 2 * devicePixelRatio;
          medians.forEach((m, i) => {
            ctx.strokeStyle = groups[i].color;
            const x0 = u.valToPos(i + 1 - 0.3, "x", true);
            const x1 = u.valToPos(i + 1 + 0.3, "x", true);
            const y = u.valToPos(m, "y", true);
            ctx.beginPath();
            ctx.moveTo(x0, y);
            ctx.lineTo(x1, y);
            ctx.stroke();
          });
          ctx.restore();
        },
      ],
    },
  });
  const label = `${metric}: ${groups.map((g) => `${g.values.length} ${g.name} samples, median ${num(median(g.values))}`).join("; ")}`;
  return <Plot make={make} data={data} label={label} height={180} />;
}

export type HistoryPoint = { index: number; run_id: string; started_at: string; value: number; status?: string; git_sha?: string | null };
export type ChangePoint = { index: number; run_id: string; change_percent?: number | null; direction?: string; assessment?: string | null; summary?: string };

export function HistoryChart({ component, scenario, metric, runId, rig }: { component: string; scenario: string; metric: string; runId: string; rig?: string | null }) {
  const [hist, setHist] = useState<{ points: HistoryPoint[]; change_points: ChangePoint[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    get<any>("/api/v1/history", { component, scenario, metric, rig: rig ?? undefined, limit: 50 })
      .then((body) => {
        const p = body?.payload ?? body;
        if (live) setHist({ points: p?.points ?? [], change_points: p?.change_points ?? [] });
      })
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [component, scenario, metric, rig]);
  if (error) return <ErrorBox error={error} />;
  if (!hist) return <p class="muted detail-small">Loading the history…</p>;
  const pts = hist.points.filter((p) => typeof p.value === "number" && Number.isFinite(p.value));
  if (pts.length < 2) return <p class="muted detail-small">History: {pts.length === 1 ? "this is the only run" : "no earlier runs"} with {metric} in {scenario}.</p>;
  const xs = pts.map((_, i) => i);
  const t0 = Date.parse(pts[0].started_at);
  const oneDay = Date.parse(pts[pts.length - 1].started_at) - t0 < 86_400_000;
  const tick = (iso: string) => {
    const d = new Date(iso);
    return oneDay ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false }) : d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  };
  const ys = pts.map((p) => p.value);
  const here = pts.map((p) => (p.run_id === runId ? p.value : null));
  const changeAt = new Set(hist.change_points.map((c) => c.index));
  const data = [xs, ys, here] as uPlot.AlignedData;
  const make = (width: number): uPlot.Options => ({
    width,
    height: 160,
    scales: { x: { time: false } },
    cursor: { drag: { x: false, y: false } },
    axes: [
      { values: (_u, vals) => vals.map((v) => (Number.isInteger(v) && pts[v] ? tick(pts[v].started_at) : "")) },
      { size: 60, values: (_u, vals) => vals.map((v) => num(v)) },
    ],
    series: [
      { label: "run", value: (_u, v) => (v === null || !pts[v] ? "—" : shortId(pts[v].run_id)) },
      { label: metric, stroke: CUR, width: 1.5, points: { show: true, size: 5 }, value: (_u, v) => num(v) },
      { label: "this run", stroke: CHANGE, paths: () => null, points: { show: true, size: 10, stroke: CHANGE, fill: "#fff", width: 2 }, value: (_u, v) => (v === null ? "—" : num(v)) },
    ],
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = CHANGE;
          ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          for (const i of changeAt) {
            if (i <= 0 || i >= pts.length) continue;
            const x = u.valToPos(i - 0.5, "x", true);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  });
  const label = `History of ${metric} in ${scenario}: ${pts.length} runs, ${hist.change_points.length} change point${hist.change_points.length === 1 ? "" : "s"}`;
  return (
    <div class="detail-history">
      <Plot make={make} data={data} label={label} height={160} />
      <p class="muted detail-small" data-testid="history-summary">
        {pts.length} runs, oldest first.{" "}
        {hist.change_points.length === 0 ? "No change points." : `Change points (dashed): `}
      </p>
      {hist.change_points.length > 0 && (
        <ul class="detail-changes">
          {hist.change_points.map((c) => (
            <li key={c.index}>
              <a href={`/runs/${encodeURIComponent(c.run_id)}`} class="mono" onClick={(e) => { e.preventDefault(); navigate(`/runs/${encodeURIComponent(c.run_id)}`); }}>{shortId(c.run_id)}</a>{" "}
              {c.summary ?? `${c.direction ?? "change"} ${c.change_percent != null ? `${c.change_percent.toFixed(1)} %` : ""}`}
              {c.assessment ? <span class={c.assessment === "worse" ? "verdict-regressed" : "verdict-improved"}> ({c.assessment})</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
