// /runs/new: the bench form (rigs, component, scope, preset, baseline) and
// the task form beside it; /runs/new-:jobId: the live page of a queued
// bench job, which becomes /runs/:id once the bench run exists.
import { useEffect, useState } from "preact/hooks";
import { get } from "../api";
import { ErrorBox } from "../components/ui";
import { BenchForm, Scope } from "../components/newrun_bench";
import { TaskForm } from "../components/newrun_task";
import { NewRunLive } from "../components/newrun_live";

export function NewRunPage() {
  const [scope, setScope] = useState<Scope | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cwd, setCwd] = useState("");
  useEffect(() => {
    get<Scope>("/api/v1/scope").then(setScope).catch(setError);
  }, []);
  return (
    <main class="page">
      <h1>New run</h1>
      <ErrorBox error={error} />
      {scope && scope.problems.length > 0 && (
        <div class="banner banner-warn newrun-problems" role="status">
          <strong>Some configuration did not load:</strong>
          <ul>
            {scope.problems.map((p, i) => (
              <li key={i}><span class="mono">{p.rig ?? p.component ?? ""}</span> {p.message}</li>
            ))}
          </ul>
        </div>
      )}
      <div class="newrun-grid">
        {scope ? <BenchForm scope={scope} onComponent={setCwd} /> : !error && <div class="card" role="status">Loading the components and rigs…</div>}
        <TaskForm defaultCwd={cwd} />
      </div>
    </main>
  );
}

export function NewRunLivePage({ jobId }: { jobId: string }) {
  return <NewRunLive jobId={jobId} />;
}
