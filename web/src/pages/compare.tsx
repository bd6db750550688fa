// Placeholder, replaced by the page's implementation.
export function ComparePage(_props: any) {
  return <main class="page"><h1>ComparePage</h1></main>;
}
