// /runs: every recorded run, newest first (docs/daemon.md "The API":
// GET /api/v1/runs). Kind chips, filters in the URL, keyset paging by the
// API's `next_cursor`, live updates from /api/v1/events (coalesced: at most
// one refetch per 250 ms), Cancel on active rows, and the Compare picker.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, get, send } from "../api";
import { useEventStream, type RunEvent } from "../events";
import { navigate } from "../router";
import { Connection, Empty, ErrorBox } from "../components/ui";
import { KindChips, RunsFilters, filtersFrom, saveChip, savedChip, type Chip } from "../components/runs_filters";
import { RunsTableHead, RunsTableRow, type RunRow } from "../components/runs_table";

const PAGE_SIZE = 25;
const COALESCE_MS = 250;

type Page = { runs: RunRow[]; next_cursor: string | null };

function CompareBar({ selected, onCancel }: { selected: string[]; onCancel: () => void }) {
  const n = selected.length;
  const ok = n >= 2 && n <= 4;
  const why = n < 2 ? `Pick 2 to 4 runs to compare (${n} selected)` : n > 4 ? `Pick 2 to 4 runs to compare: ${n} selected is too many` : `${n} runs selected`;
  return (
    <div class="runs-compare-bar" role="group" aria-label="Compare runs">
      <button
        type="button"
        class="primary"
        disabled={!ok}
        aria-describedby="runs-compare-why"
        onClick={() => navigate(`/compare?runs=${selected.map(encodeURIComponent).join(",")}`)}
      >
        Compare selected
      </button>
      <span id="runs-compare-why" class={ok ? "muted" : "runs-compare-why"} aria-live="polite">{why}</span>
      <button type="button" onClick={onCancel}>Done selecting</button>
    </div>
  );
}

function cancelHelp(e: unknown): string | null {
  const code = (e as ApiError)?.code ?? "";
  if (code.startsWith("auth.")) {
    return "Cancelling needs the daemon's token: open the Studio from the address `homeboy daemon start` prints (it ends in #token=…), or take the token from ~/.config/homeboy/daemon.token.";
  }
  return null;
}

export function RunsPage({ query }: { query: URLSearchParams }) {
  const [chip, setChip] = useState<Chip>(savedChip);
  const filters = filtersFrom(query);
  const filterKey = `${chip.id}|${filters.component}|${filters.rig}|${filters.status}|${filters.since}`;

  // The cursors that opened each page so far: [null] is the first page.
  // They belong to one set of filters: new filters start from the first page.
  const [pager, setPager] = useState<{ key: string; stack: (string | null)[] }>({ key: filterKey, stack: [null] });
  const cursors = pager.key === filterKey ? pager.stack : [null];
  const setCursors = (f: (c: (string | null)[]) => (string | null)[]) =>
    setPager((p) => ({ key: filterKey, stack: f(p.key === filterKey ? p.stack : [null]) }));
  const [page, setPage] = useState<Page | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [cancelError, setCancelError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState<Set<string>>(new Set());
  const [selecting, setSelecting] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [, setTick] = useState(0);

  const after = cursors[cursors.length - 1];
  const params = useMemo(
    () => ({
      kind: chip.kinds, component: filters.component, rig: filters.rig, status: filters.status,
      since: filters.since, limit: PAGE_SIZE, after,
    }),
    [filterKey, after],
  );

  // Each fetch has a number: an older answer never replaces a newer one.
  const generation = useRef(0);
  const inFlight = useRef(false);
  const pending = useRef(false);
  const lastFetch = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  const pageRef = useRef<Page | null>(null);
  pageRef.current = page;
  const firstPage = cursors.length === 1;
  const firstPageRef = useRef(firstPage);
  firstPageRef.current = firstPage;

  const load = useCallback(
    async (quiet: boolean) => {
      const mine = ++generation.current;
      inFlight.current = true;
      lastFetch.current = performance.now();
      if (!quiet) setLoading(true);
      try {
        const data = await get<Page>("/api/v1/runs", params);
        if (mine !== generation.current) return;
        setPage({ runs: data.runs ?? [], next_cursor: data.next_cursor ?? null });
        setError(null);
      } catch (e) {
        if (mine !== generation.current) return;
        setError(e);
      } finally {
        if (mine === generation.current) {
          inFlight.current = false;
          setLoading(false);
          if (pending.current) schedule();
        }
      }
    },
    [params],
  );
  const loadRef = useRef(load);
  loadRef.current = load;

  /// A refetch soon: at most one per COALESCE_MS, never two at once.
  const schedule = useCallback(() => {
    pending.current = true;
    if (timer.current !== undefined || inFlight.current) return;
    const wait = Math.max(0, COALESCE_MS - (performance.now() - lastFetch.current));
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      if (!pending.current) return;
      pending.current = false;
      void loadRef.current(true);
    }, wait);
  }, []);

  useEffect(() => {
    pending.current = false;
    void load(false);
  }, [load]);

  useEffect(() => () => window.clearTimeout(timer.current), []);

  // Relative times ("2 minutes ago") stay current.
  useEffect(() => {
    const t = window.setInterval(() => setTick((n) => n + 1), 30_000);
    return () => window.clearInterval(t);
  }, []);

  // The first rows on screen, for the Playwright suite's measurement.
  const marked = useRef(false);
  useEffect(() => {
    if (!marked.current && page && page.runs.length) {
      marked.current = true;
      try {
        performance.mark("homeboy.runs.first-rows");
      } catch {
        /* no User Timing: nothing to record */
      }
    }
  }, [page]);

  // Runs an event named that the last refetch did not bring onto the page
  // (another kind, another filter): their later events cost nothing.
  const elsewhere = useRef(new Set<string>());
  const statusFiltered = !!filters.status;
  useEffect(() => {
    elsewhere.current.clear();
  }, [filterKey]);
  useEffect(() => {
    if (page) for (const id of elsewhere.current) if (page.runs.some((r) => r.id === id)) elsewhere.current.delete(id);
  }, [page]);

  const stream = useEventStream("/api/v1/events", (e: RunEvent) => {
    const id = e.run_id ?? e.data?.run_id;
    if (!id) return;
    if (pageRef.current?.runs.some((r) => r.id === id)) {
      schedule();
      return;
    }
    // A run not on the page: only the first page can gain it (newest first).
    if (!firstPageRef.current) return;
    const first = e.type === "submitted" || e.type === "queued" || e.type === "produced";
    if (first || statusFiltered || !elsewhere.current.has(id)) {
      elsewhere.current.add(id);
      schedule();
    }
  });

  const pick = (c: Chip) => {
    saveChip(c);
    setChip(c);
  };

  const cancel = async (id: string) => {
    setCancelError(null);
    setCancelling((s) => new Set(s).add(id));
    try {
      await send("POST", `/api/v1/runs/${encodeURIComponent(id)}/cancel`, {});
      schedule();
    } catch (e) {
      setCancelError(e);
    } finally {
      setCancelling((s) => {
        const n = new Set(s);
        n.delete(id);
        return n;
      });
    }
  };

  const toggle = (id: string) =>
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));

  const runs = page?.runs ?? [];
  const anyFilter = Object.values(filters).some((v) => v);
  const pageNo = cursors.length;

  return (
    <main class="page runs-page">
      <Connection state={stream} />
      <div class="runs-head">
        <h1>Runs</h1>
        {!selecting && (
          <button type="button" onClick={() => setSelecting(true)}>Compare…</button>
        )}
      </div>
      <KindChips chip={chip} onPick={pick} />
      <RunsFilters filters={filters} />
      {selecting && <CompareBar selected={selected} onCancel={() => { setSelecting(false); setSelected([]); }} />}
      <ErrorBox error={cancelError}>
        {cancelHelp(cancelError) && <div>{cancelHelp(cancelError)}</div>}
      </ErrorBox>
      <ErrorBox error={error}>
        <div><button type="button" onClick={() => void load(false)}>Try again</button></div>
      </ErrorBox>
      {!page && loading && <p class="muted" role="status">Loading runs…</p>}
      {page && runs.length === 0 && !error && (
        <Empty>
          {anyFilter || pageNo > 1 ? (
            <>No {chip.id === "all" ? "" : `${chip.label.toLowerCase()} `}runs match these filters.</>
          ) : (
            <>
              No {chip.id === "all" ? "" : `${chip.label.toLowerCase()} `}runs yet. Make one with <code>{chip.empty}</code>.
            </>
          )}
        </Empty>
      )}
      {runs.length > 0 && (
        <div class="runs-table-wrap">
          <table class="runs-table" aria-busy={loading}>
            <caption class="visually-hidden">
              {chip.label} runs, newest first, page {pageNo}
            </caption>
            <RunsTableHead selecting={selecting} />
            <tbody>
              {runs.map((r) => (
                <RunsTableRow
                  key={r.id}
                  run={r}
                  selecting={selecting}
                  selected={selected.includes(r.id)}
                  onToggle={toggle}
                  onCancel={cancel}
                  cancelling={cancelling.has(r.id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && (pageNo > 1 || page.next_cursor) && (
        <nav class="runs-pager" aria-label="Pages of runs">
          <button type="button" disabled={pageNo <= 1 || loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </button>
          <span class="muted">Page {pageNo}</span>
          <button
            type="button"
            disabled={!page.next_cursor || loading}
            onClick={() => page.next_cursor && setCursors((c) => [...c, page.next_cursor])}
          >
            Older →
          </button>
        </nav>
      )}
    </main>
  );
}
