// A strip chart of one metric's samples, one column of points per run
// (pages/compare.tsx), drawn with uPlot. Points only: x is the run's
// position plus a small deterministic spread so equal samples stay visible.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { useEffect, useRef } from "preact/hooks";
import { num, shortId } from "../format";

export const COMPARE_COLOURS = ["#1f5fbf", "#b4540a", "#1b7a43", "#8a2f9e"];

export function StripChart({
  title, runIds, samples, width = 320, height = 170,
}: { title: string; runIds: string[]; samples: (number[] | null)[]; width?: number; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // One x column per point; each run's series has its y there, null elsewhere.
    const points: { x: number; s: number; y: number }[] = [];
    samples.forEach((list, s) => {
      const n = list?.length ?? 0;
      (list ?? []).forEach((y, i) => {
        // A golden-ratio sequence: spread evenly, looks random, the same every time.
        const spread = n > 1 ? (((i * 0.618034) % 1) - 0.5) * 0.45 : 0;
        points.push({ x: s + 1 + spread, s, y });
      });
    });
    if (!points.length) return;
    points.sort((a, b) => a.x - b.x);
    const xs = points.map((p) => p.x);
    const series = runIds.map((_, s) => points.map((p) => (p.s === s ? p.y : null)));
    const w = Math.max(200, Math.min(width, el.clientWidth || width));
    const plot = new uPlot(
      {
        width: w,
        height,
        title: undefined,
        legend: { show: false },
        cursor: { show: true, points: { show: false }, drag: { x: false, y: false } },
        scales: { x: { time: false, range: [0.4, runIds.length + 0.6] } },
        axes: [
          {
            values: (_u, splits) => splits.map((v) => (Number.isInteger(v) && v >= 1 && v <= runIds.length ? shortId(runIds[v - 1]) : "")),
            splits: () => runIds.map((_, i) => i + 1),
            font: "11px system-ui, sans-serif",
          },
          { values: (_u, splits) => splits.map((v) => num(v)), size: 56, font: "11px system-ui, sans-serif" },
        ],
        series: [
          {},
          ...runIds.map((id, s) => ({
            label: shortId(id),
            stroke: COMPARE_COLOURS[s % COMPARE_COLOURS.length],
            fill: COMPARE_COLOURS[s % COMPARE_COLOURS.length],
            paths: () => null,
            points: { show: true, size: 6, width: 1 },
          })),
        ],
      },
      [xs, ...series] as uPlot.AlignedData,
      el,
    );
    return () => plot.destroy();
  }, [runIds.join(","), samples, width, height]);

  const total = samples.reduce((n, s) => n + (s?.length ?? 0), 0);
  return (
    <figure class="compare-chart">
      <figcaption>{title}</figcaption>
      {total ? (
        <div ref={box} role="img" aria-label={`Samples of ${title}: ${samples.map((s, i) => `${shortId(runIds[i])} ${s?.length ?? 0} samples`).join(", ")}`} />
      ) : (
        <p class="muted">No samples recorded.</p>
      )}
    </figure>
  );
}
