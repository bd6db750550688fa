// Placeholder, replaced by the page's implementation.
export function NewRunPage() {
  return <main class="page"><h1>New run</h1></main>;
}
export function NewRunLivePage({ jobId }: { jobId: string }) {
  return <main class="page"><h1>Run {jobId}</h1></main>;
}
