// Placeholder, replaced by the page's implementation.
export function SchedulesPage(_props: any) {
  return <main class="page"><h1>SchedulesPage</h1></main>;
}
