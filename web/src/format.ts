// How the Studio words and formats what runs carry. Pure functions, shared
// by every page.

/// "3 hours ago"; the exact time belongs in a title attribute beside it.
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const s = Math.round((now - t) / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  const unit =
    a < 45 ? [a, "second"] : a < 2700 ? [Math.round(a / 60), "minute"] : a < 79200 ? [Math.round(a / 3600), "hour"]
    : a < 2160000 ? [Math.round(a / 86400), "day"] : a < 27000000 ? [Math.round(a / 2592000), "month"] : [Math.round(a / 31536000), "year"];
  if (a < 10) return future ? "in a moment" : "just now";
  const [n, u] = unit as [number, string];
  const text = `${n} ${u}${n === 1 ? "" : "s"}`;
  return future ? `in ${text}` : `${text} ago`;
}

export function exactTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/// 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min.
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/// A number with the precision a metric needs: 3 significant digits.
export function num(v: number | null | undefined, unit = ""): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  const s = a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
  return unit ? `${s} ${unit}` : s;
}

export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${v > 0 ? "+" : ""}${v.toFixed(1)} %`;
}

export type StatusKey = "succeeded" | "failed" | "running" | "queued" | "cancelled" | "timed_out" | "review" | "other";

/// The registry's status of a run row or detail: `run_status` (a bench
/// run's `status` is the original tool's word, pass/fail), else `status`.
export function registryStatus(run: any): string {
  return String(run?.run_status ?? run?.status ?? "");
}

/// The status pill: the registry's status, and "Needs review" for a bench
/// whose verdict regressed or stayed inconclusive.
export function statusOf(run: any): { key: StatusKey; label: string } {
  const s = registryStatus(run);
  const v = run?.verdict ?? run?.verdicts ?? run?.summary?.verdicts;
  const needsReview =
    s === "succeeded" &&
    (run?.summary?.needs_review === true || v?.regressed > 0 || v?.inconclusive > 0 || run?.metadata?.regression === true);
  if (needsReview) return { key: "review", label: "Needs review" };
  switch (s) {
    case "succeeded": return { key: "succeeded", label: "Succeeded" };
    case "failed": return { key: "failed", label: "Failed" };
    case "booting": case "running": case "collecting_artifacts":
    case "starting": case "collecting": // the pages' short words for the two
      return { key: "running", label: "Running" };
    case "queued": return { key: "queued", label: "Queued" };
    case "cancelled": return { key: "cancelled", label: "Cancelled" };
    case "timed_out": return { key: "timed_out", label: "Timed out" };
    default: return { key: "other", label: s ? s.replace(/_/g, " ") : "unknown" };
  }
}

/// Queued or on its way (booting, running, collecting its artifacts).
export function isActive(run: any): boolean {
  return ["queued", "booting", "running", "collecting_artifacts", "starting", "collecting"].includes(registryStatus(run));
}
