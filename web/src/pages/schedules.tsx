// /schedules: every schedule with its next firings and latest slot; add one
// (with the cron helper), pause, resume, remove. The list follows the
// daemon's events, so a slot that fires shows up without a reload.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { get } from "../api";
import { useEventStream } from "../events";
import { Connection, Empty, ErrorBox } from "../components/ui";
import { AddScheduleForm } from "../components/schedules_form";
import { Schedule, ScheduleCard } from "../components/schedules_list";

export function SchedulesPage(_props: any) {
  const [list, setList] = useState<Schedule[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const pending = useRef<number | undefined>(undefined);

  const load = useCallback(() => {
    get<{ schedules: Schedule[]; count: number }>("/api/v1/schedules")
      .then((r) => {
        setList(r.schedules);
        setError(null);
      })
      .catch(setError);
  }, []);
  useEffect(() => {
    load();
    // Next firings move with the clock.
    const t = window.setInterval(load, 30_000);
    return () => {
      window.clearInterval(t);
      window.clearTimeout(pending.current);
    };
  }, []);
  // A fired slot queues a run: reload, debounced, when a run is queued.
  const state = useEventStream("/api/v1/events", (e) => {
    if (e.type !== "queued") return;
    window.clearTimeout(pending.current);
    pending.current = window.setTimeout(load, 500);
  });

  return (
    <main class="page">
      <Connection state={state} />
      <h1>Schedules</h1>
      <p class="muted">
        Commands the daemon queues on a cron schedule (<code>homeboy schedule</code>). Nothing fires while no daemon runs.
      </p>
      <ErrorBox error={error} />
      <div class="schedules-layout">
        <section aria-label="Schedules" class="schedules-list">
          {list === null && !error && <div class="card" role="status">Loading the schedules…</div>}
          {list !== null && list.length === 0 && <Empty>No schedules yet: add one with the form.</Empty>}
          {list?.map((s) => <ScheduleCard key={s.id} s={s} onChanged={load} />)}
        </section>
        <AddScheduleForm onAdded={load} />
      </div>
    </main>
  );
}
