// Small pieces every page uses: the status pill, the spinner, a relative
// time with the exact one on hover, an error box, the connection banner.
// Everything from a run is rendered as text (JSX escapes it); nothing here
// sets innerHTML.
import type { ComponentChildren } from "preact";
import { exactTime, relativeTime, statusOf } from "../format";
import type { StreamState } from "../events";

export function StatusPill({ run }: { run: any }) {
  const s = statusOf(run);
  return <span class={`pill pill-${s.key}`} data-status={s.key}>{s.label}</span>;
}

export function Spinner({ label = "running" }: { label?: string }) {
  return <span class="spinner" role="img" aria-label={label} />;
}

export function When({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="muted">—</span>;
  return <time dateTime={iso} title={exactTime(iso)}>{relativeTime(iso)}</time>;
}

export function ErrorBox({ error, children }: { error: unknown; children?: ComponentChildren }) {
  if (!error) return null;
  const e = error as any;
  return (
    <div class="error-box" role="alert">
      <strong>{e?.code ?? "error"}</strong>: {String(e?.message ?? e)}
      {children}
    </div>
  );
}

export function Connection({ state }: { state: StreamState }) {
  if (state !== "retrying") return null;
  return (
    <div class="banner banner-warn" role="status" data-testid="disconnected">
      Disconnected from the daemon, retrying… (is it running? <code>homeboy daemon status</code>)
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}
