// The run detail's artifacts: a table with label, kind, size and a download
// link (the daemon sends Content-Disposition), and for JSON and text
// artifacts a preview on demand: the first 64 KB as text, JSON
// pretty-printed. Never rendered as HTML.
import { useState } from "preact/hooks";
import { artifactUrl } from "../api";
import { Empty } from "./ui";

const PREVIEW_BYTES = 64 * 1024;

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function nameOf(a: any): string {
  const p = String(a?.path ?? a?.url ?? "");
  return p.split("/").filter(Boolean).pop() ?? "";
}

/// "json", "text" or null: what the preview can show.
export function previewKind(a: any): "json" | "text" | null {
  if (a?.type && a.type !== "file") return null;
  const mime = String(a?.mime ?? "").toLowerCase();
  const name = nameOf(a).toLowerCase();
  if (mime.includes("json") || /\.(json|jsonl|ndjson)$/.test(name)) return "json";
  if (mime.startsWith("text/") || /\.(txt|log|csv|tsv|md|out|err|yaml|yml|toml|xml|ini|sh)$/.test(name)) return "text";
  return null;
}

type Preview = { state: "loading" } | { state: "done"; text: string; cut: boolean } | { state: "error"; message: string };

async function loadPreview(runId: string, a: any, kind: "json" | "text"): Promise<Preview> {
  let res: Response;
  try {
    res = await fetch(artifactUrl(runId, a.id));
  } catch {
    return { state: "error", message: "the daemon does not answer" };
  }
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const body = await res.json();
      message = body?.error?.message ?? message;
    } catch {
      /* not JSON */
    }
    return { state: "error", message };
  }
  const buf = await res.arrayBuffer();
  const cut = buf.byteLength > PREVIEW_BYTES;
  let text = new TextDecoder("utf-8", { fatal: false }).decode(buf.slice(0, PREVIEW_BYTES));
  if (kind === "json" && !cut) {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      /* JSON lines or not JSON after all: shown as it is */
    }
  }
  return { state: "done", text, cut };
}

export function ArtifactsSection({ runId, artifacts }: { runId: string; artifacts: any[] }) {
  const [previews, setPreviews] = useState<Record<string, Preview | undefined>>({});
  const toggle = async (a: any, kind: "json" | "text") => {
    if (previews[a.id]) {
      setPreviews((p) => ({ ...p, [a.id]: undefined }));
      return;
    }
    setPreviews((p) => ({ ...p, [a.id]: { state: "loading" } }));
    const got = await loadPreview(runId, a, kind);
    setPreviews((p) => ({ ...p, [a.id]: got }));
  };
  return (
    <section class="card" aria-labelledby="detail-artifacts-h">
      <h2 id="detail-artifacts-h">Artifacts <span class="muted detail-small">({artifacts.length})</span></h2>
      {artifacts.length === 0 ? (
        <Empty>This run recorded no artifacts.</Empty>
      ) : (
        <div class="detail-scroll">
          <table class="detail-artifacts">
            <thead>
              <tr><th>Label</th><th class="hide-narrow">Kind</th><th class="num">Size</th><th>Open</th></tr>
            </thead>
            <tbody>
              {artifacts.map((a) => {
                const kind = previewKind(a);
                const pv = previews[a.id];
                const label = a.label || nameOf(a) || a.id;
                return [
                  <tr key={a.id}>
                    <td>
                      <span class="detail-artifact-label">{label}</span>
                      {nameOf(a) && nameOf(a) !== label && <div class="muted mono detail-small">{nameOf(a)}</div>}
                    </td>
                    <td class="hide-narrow">{a.kind}{a.type && a.type !== "file" ? ` (${a.type})` : ""}{a.mime ? <div class="muted detail-small">{a.mime}</div> : null}</td>
                    <td class="num">{bytes(a.size_bytes)}</td>
                    <td class="detail-artifact-actions">
                      {a.type === "metadata-only" ? (
                        <span class="muted detail-small">no bytes</span>
                      ) : (
                        <a href={artifactUrl(runId, a.id)} download aria-label={`Download ${label}`}>Download</a>
                      )}
                      {kind && (
                        <button type="button" aria-expanded={!!pv} onClick={() => toggle(a, kind)} aria-label={`${pv ? "Hide" : "Preview"} ${label}`}>
                          {pv ? "Hide" : "Preview"}
                        </button>
                      )}
                    </td>
                  </tr>,
                  pv ? (
                    <tr key={`${a.id}-preview`} class="detail-preview-row">
                      <td colSpan={4}>
                        {pv.state === "loading" && <p class="muted">Loading the preview…</p>}
                        {pv.state === "error" && <div class="error-box" role="alert">{pv.message}</div>}
                        {pv.state === "done" && (
                          <>
                            {pv.cut && <p class="muted detail-small">The first 64 KB of {bytes(a.size_bytes)}; download for the rest.</p>}
                            <pre class="log detail-preview" tabIndex={0} aria-label={`Preview of ${label}`} data-testid="artifact-preview">{pv.text}</pre>
                          </>
                        )}
                      </td>
                    </tr>
                  ) : null,
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
