// Placeholder, replaced by the page's implementation.
export function HelpPage(_props: any) {
  return <main class="page"><h1>HelpPage</h1></main>;
}
