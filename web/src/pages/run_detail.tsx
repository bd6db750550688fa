// Placeholder, replaced by the page's implementation.
export function RunDetailPage(_props: any) {
  return <main class="page"><h1>RunDetailPage</h1></main>;
}
