// The daemon's JSON API (docs/daemon.md "The API"): every call the Studio
// makes goes through here. Reads are open on loopback; changes send the
// daemon's token (docs/studio.md "The token"), kept in localStorage.

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "homeboy.token";

export function token(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null) {
  if (value) localStorage.setItem(TOKEN_KEY, value.trim());
  else localStorage.removeItem(TOKEN_KEY);
}

/// Takes `#token=...` from the address the daemon printed, keeps it, and
/// removes it from the address bar (and so from the history).
export function adoptTokenFromUrl() {
  const m = location.hash.match(/(?:^#|&)token=([0-9A-Za-z+/=_-]+)/);
  if (m) {
    setToken(m[1]);
    history.replaceState(history.state, "", location.pathname + location.search);
  }
}

async function parse(res: Response): Promise<any> {
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, "api.bad_response", `the daemon answered HTTP ${res.status} with something that is not JSON`);
  }
  if (!res.ok || (body && body.success === false)) {
    const e = body?.error ?? {};
    throw new ApiError(res.status, e.code ?? "api.error", e.message ?? `HTTP ${res.status}`);
  }
  return body && typeof body === "object" && "data" in body ? body.data : body;
}

export async function get<T = any>(path: string, params?: Record<string, string | number | undefined | null>): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const url = q.toString() ? `${path}?${q}` : path;
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders() });
  } catch {
    throw new ApiError(0, "api.unreachable", "the daemon does not answer (is it running? `homeboy daemon status`)");
  }
  return parse(res);
}

export async function send<T = any>(method: "POST" | "DELETE", path: string, body: unknown = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", ...authHeaders() },
      body: method === "POST" ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, "api.unreachable", "the daemon does not answer (is it running? `homeboy daemon status`)");
  }
  return parse(res);
}

function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export function artifactUrl(runId: string, artifactId: string) {
  return `/api/v1/runs/${encodeURIComponent(runId)}/artifacts/${encodeURIComponent(artifactId)}`;
}
