// The Studio's entry: the page frame (navigation, the token prompt) and the
// routes. Pages live in pages/, one file each; they read the daemon's API
// through api.ts and follow its events through events.ts.
import "./style.css";
import { render } from "preact";
import { adoptTokenFromUrl } from "./api";
import { onLinkClick, useLocation } from "./router";
import { RunsPage } from "./pages/runs";
import { RunDetailPage } from "./pages/run_detail";
import { ComparePage } from "./pages/compare";
import { NewRunPage, NewRunLivePage } from "./pages/new_run";
import { SchedulesPage } from "./pages/schedules";
import { HelpPage } from "./pages/help";

function NotFound({ path }: { path: string }) {
  return (
    <main class="page">
      <h1>Not found</h1>
      <p>The Studio has no page at <code>{path}</code>.</p>
      <p><a href="/runs">Back to the runs</a></p>
    </main>
  );
}

function Route() {
  const { path, query } = useLocation();
  if (path === "/" || path === "/runs") return <RunsPage query={query} />;
  if (path === "/runs/new") return <NewRunPage />;
  let m = path.match(/^\/runs\/new-([^/]+)$/);
  if (m) return <NewRunLivePage jobId={decodeURIComponent(m[1])} />;
  m = path.match(/^\/runs\/([^/]+)$/);
  if (m) return <RunDetailPage runId={decodeURIComponent(m[1])} />;
  if (path === "/compare") return <ComparePage query={query} />;
  if (path === "/schedules") return <SchedulesPage />;
  if (path === "/help") return <HelpPage />;
  return <NotFound path={path} />;
}

function Frame() {
  const { path } = useLocation();
  const here = (prefix: string) => (path === prefix || path.startsWith(prefix + "/") ? "page" : undefined);
  return (
    <div class="frame" onClick={(e) => onLinkClick(e as unknown as MouseEvent)}>
      <header class="topbar">
        <a class="brand" href="/runs">homeboy <span>Studio</span></a>
        <nav aria-label="Main">
          <a href="/runs" aria-current={path === "/" || (here("/runs") && path !== "/runs/new") ? "page" : undefined}>Runs</a>
          <a href="/schedules" aria-current={here("/schedules")}>Schedules</a>
          <a href="/help" aria-current={here("/help")}>CLI equivalents</a>
        </nav>
        <a class="button primary" href="/runs/new">+ New run</a>
      </header>
      <Route />
    </div>
  );
}

adoptTokenFromUrl();
render(<Frame />, document.getElementById("app")!);
