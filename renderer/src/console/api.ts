/**
 * The organiser console's HTTP client for the sync server's API (docs/api.md). Every call carries the
 * console's token; an error comes back as the server's own message (it names the field or the rule), so
 * the organiser reads what to fix instead of a status code.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** Per-row problems of a catalog import, when the server lists them. */
    readonly errors: readonly { line?: number; index?: number; message: string }[] = [],
  ) {
    super(message);
  }
}

export interface ApiSession {
  serverUrl: string;
  token: string;
}

export type Fetch = typeof fetch;

export function normaliseServerUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(trimmed)) throw new ApiError(0, 'ValidationError', `"${url}" is not a server address (http://host:port)`);
  return trimmed;
}

export class Api {
  constructor(
    readonly session: ApiSession,
    private readonly fetchFn: Fetch = (...a) => fetch(...a),
  ) {}

  async request<T>(method: string, path: string, body?: unknown, opts: { contentType?: string; accept?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.session.token}` };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    if (opts.accept) headers['accept'] = opts.accept;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.session.serverUrl}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    } catch {
      throw new ApiError(0, 'NetworkError', `Cannot reach ${this.session.serverUrl}: check the address and the network`);
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: { type?: string; message?: string; errors?: { line?: number; index?: number; message: string }[] } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(res.status, parsed.type ?? `HTTP ${res.status}`, parsed.message ?? `The server answered ${res.status} ${res.statusText}`, parsed.errors ?? []);
    }
    if (opts.accept && !opts.accept.includes('json')) return text as T;
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  /** Catalog CSV goes up as text/csv: the server reports each bad row by line and column. */
  postCsv<T>(path: string, csv: string): Promise<T> {
    return this.request<T>('POST', path, csv, { contentType: 'text/csv' });
  }

  /** The WebSocket address of a document, with the token (browsers cannot set headers on a WebSocket). */
  syncUrl(): string {
    return `${this.session.serverUrl.replace(/^http/, 'ws')}/sync`;
  }
}

export const eventPath = (eventId: string, rest = ''): string => `/api/events/${encodeURIComponent(eventId)}${rest}`;
