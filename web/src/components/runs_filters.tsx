// The runs list's kind chips and filters (pages/runs.tsx). The chip is kept
// in localStorage; the filters live in the URL query so a view can be shared.
import { setQuery } from "../router";

export type Chip = { id: string; label: string; kinds: string | null; empty: string };

/// The store's run kinds behind each chip (the API's `kind=a,b`). A
/// cross-rig or `--against` comparison is a run of kind `comparison` that
/// links each side's bench run (those stay under Bench); the Cross-rig chip
/// holds the comparisons and the rig runs (`rig check`).
export const CHIPS: Chip[] = [
  { id: "bench", label: "Bench", kinds: "bench,bench-job", empty: "homeboy bench" },
  { id: "rig", label: "Cross-rig", kinds: "comparison,rig", empty: "homeboy bench --rig a,b (or homeboy bench --against REF, homeboy rig check RIG)" },
  { id: "task", label: "Task", kinds: "task", empty: "homeboy runs submit -- COMMAND" },
  { id: "imported", label: "Imported", kinds: "gh_actions,loop,trace", empty: "homeboy runs import --from-gh-actions (or homeboy runs loop-sync, homeboy runs import DIR)" },
  { id: "schedule", label: "Scheduled", kinds: "schedule", empty: "homeboy schedule add" },
  { id: "all", label: "All activity", kinds: null, empty: "homeboy bench or homeboy runs submit -- COMMAND" },
];

const CHIP_KEY = "homeboy.runs.chip";

export function savedChip(): Chip {
  let id: string | null = null;
  try {
    id = localStorage.getItem(CHIP_KEY);
  } catch {
    /* storage unavailable: the default */
  }
  return CHIPS.find((c) => c.id === id) ?? CHIPS[0];
}

export function saveChip(c: Chip) {
  try {
    localStorage.setItem(CHIP_KEY, c.id);
  } catch {
    /* not kept; still applied */
  }
}

export function KindChips({ chip, onPick }: { chip: Chip; onPick: (c: Chip) => void }) {
  return (
    <div class="chips" role="group" aria-label="Kind of run">
      {CHIPS.map((c) => (
        <button
          type="button"
          key={c.id}
          class="chip"
          aria-pressed={c.id === chip.id}
          onClick={() => onPick(c)}
        >
          {c.label}
        </button>
      ))}
    </div>
  );
}

export type Filters = { component: string; rig: string; status: string; since: string };

export function filtersFrom(query: URLSearchParams): Filters {
  return {
    component: query.get("component") ?? "",
    rig: query.get("rig") ?? "",
    status: query.get("status") ?? "",
    since: query.get("since") ?? "",
  };
}

const STATUSES: [string, string][] = [
  ["", "Any status"], ["active", "Active (queued or running)"], ["queued", "Queued"], ["running", "Running"],
  ["succeeded", "Succeeded"], ["failed", "Failed"], ["timed_out", "Timed out"], ["cancelled", "Cancelled"],
];
const SINCE: [string, string][] = [
  ["", "Any time"], ["1h", "Last hour"], ["24h", "Last 24 hours"], ["7d", "Last 7 days"], ["30d", "Last 30 days"],
];

function options(list: [string, string][], value: string) {
  const known = list.some(([v]) => v === value);
  return (
    <>
      {list.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
      {!known && value && <option value={value}>{value}</option>}
    </>
  );
}

export function RunsFilters({ filters }: { filters: Filters }) {
  const any = Object.values(filters).some((v) => v);
  return (
    <form class="toolbar runs-filters" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
      <label>
        Component
        <input
          name="component"
          value={filters.component}
          placeholder="any"
          size={14}
          onChange={(e) => setQuery({ component: (e.target as HTMLInputElement).value.trim() })}
        />
      </label>
      <label>
        Rig
        <input
          name="rig"
          value={filters.rig}
          placeholder="any"
          size={10}
          onChange={(e) => setQuery({ rig: (e.target as HTMLInputElement).value.trim() })}
        />
      </label>
      <label>
        Status
        <select name="status" value={filters.status} onChange={(e) => setQuery({ status: (e.target as HTMLSelectElement).value })}>
          {options(STATUSES, filters.status)}
        </select>
      </label>
      <label>
        Started
        <select name="since" value={filters.since} onChange={(e) => setQuery({ since: (e.target as HTMLSelectElement).value })}>
          {options(SINCE, filters.since)}
        </select>
      </label>
      {any && (
        <button type="button" onClick={() => setQuery({ component: null, rig: null, status: null, since: null })}>
          Clear filters
        </button>
      )}
    </form>
  );
}
