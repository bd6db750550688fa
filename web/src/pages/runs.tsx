// Placeholder, replaced by the page's implementation.
export function RunsPage(_props: any) {
  return <main class="page"><h1>RunsPage</h1></main>;
}
