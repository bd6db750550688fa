// Live updates: one EventSource per stream, reconnecting by itself with
// Last-Event-ID (the daemon resends what was missed), and a connection
// state the page shows ("disconnected, retrying").
import { useEffect, useRef, useState } from "preact/hooks";

export type RunEvent = { seq: number; at: string; type: string; data: any; run_id?: string };
export type StreamState = "connecting" | "open" | "retrying";

/// Subscribes to `url` while the component is mounted; `onEvent` gets every
/// event (and `log` events on a run stream). Returns the connection state.
export function useEventStream(url: string | null, onEvent: (e: RunEvent, type: string) => void): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!url) return;
    let source: EventSource | null = null;
    let retry: number | undefined;
    let closed = false;
    const open = () => {
      source = new EventSource(url);
      source.onopen = () => setState("open");
      source.onerror = () => {
        if (closed) return;
        setState("retrying");
        // A stream the daemon ended (a settled run) or a refused one: the
        // browser gives up (CLOSED); we retry after a pause.
        if (source && source.readyState === EventSource.CLOSED) {
          source.close();
          retry = window.setTimeout(open, 2000);
        }
      };
      source.onmessage = (m) => dispatch(m, "message");
      for (const t of KNOWN) source.addEventListener(t, (m) => dispatch(m as MessageEvent, t));
    };
    const dispatch = (m: MessageEvent, type: string) => {
      setState("open");
      try {
        handler.current(JSON.parse(m.data), type);
      } catch {
        /* a malformed event is ignored, never rendered */
      }
    };
    open();
    return () => {
      closed = true;
      window.clearTimeout(retry);
      source?.close();
    };
  }, [url]);
  return state;
}

// The store's event types (a run's first event is `submitted`; an event of a
// type not listed here would not reach the page: EventSource has no wildcard).
const KNOWN = [
  "submitted", "queued", "status", "claimed", "started", "collecting", "settled", "cancel_requested", "message", "warning",
  "heartbeat", "produced", "log", "retry", "attempt", "resumed", "promoted", "retained", "replayed", "reaped",
];

