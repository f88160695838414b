import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorReply, HttpError } from './error-map.ts';
import { CloseCode } from '../close-codes.ts';
import { hashToken, type Auth, type Claims, type Role, type TokenRefusal } from '../auth.ts';

/**
 * A small JSON router. Handlers get the parsed request and return a reply; errors become tagged
 * `{ type, message }` bodies with a status that says whose fault it was (error-map.ts). Nothing is swallowed.
 */
export { errorReply, HttpError };

/** 401 naming why the presented token was refused (its type: TokenRevoked, TokenExpired, UnknownToken…). */
export class TokenRefusedError extends HttpError {
  constructor(refusal: TokenRefusal) {
    super(401, refusal.message);
    this.name = refusal.type;
  }
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Raw text instead of JSON (CSV, Prometheus). */
  text?: string;
  headers?: Record<string, string>;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  claims: Claims | undefined;
  /** Why the bearer token was refused, when one was presented and refused (or none was). */
  refusal?: TokenRefusal;
  /** The body, read on first call (bounded by the body limit). */
  body(): Promise<string>;
  json(): Promise<unknown>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply | 'handled'> | Reply | 'handled';

interface Route {
  method: string;
  path: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];
  private readonly checks: { method: string; path: string; check: (ctx: RequestContext) => Promise<void> }[] = [];

  constructor(
    private readonly auth: Auth,
    private readonly maxBodyBytes: number,
  ) {}

  /** `path` like `/api/events/:eventId/stock`; a `:name` matches one path segment. */
  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = new RegExp(`^${path.replace(/:([a-zA-Z]+)/g, (_m, k: string) => (keys.push(k), '([^/]+)'))}$`);
    this.routes.push({ method, path, pattern, keys, handler });
    return this;
  }

  /** Runs `check` before the handler of the route registered as `method path` (a rate limit); a throw is the answer. */
  before(method: string, path: string, check: (ctx: RequestContext) => Promise<void>): this {
    this.checks.push({ method, path, check });
    return this;
  }

  /** Handles the request if a route matches; returns false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      // A request target that is not a URL (`http://[bad`): the client's mistake, as on the WebSocket path.
      send(res, { status: 400, body: { type: 'BadRequestTarget', message: 'the request target is not a valid URL' } });
      return true;
    }
    const matching = this.routes.filter((r) => r.pattern.test(url.pathname));
    if (matching.length === 0) return false;
    const route = matching.find((r) => r.method === req.method);
    const checks = route ? this.checks.filter((c) => c.method === route.method && c.path === route.path) : [];
    if (!route) {
      send(res, { status: 405, body: { type: 'MethodNotAllowed', message: `${req.method} is not allowed here` }, headers: { allow: matching.map((r) => r.method).join(', ') } });
      return true;
    }
    const m = route.pattern.exec(url.pathname)!;
    const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
    let bodyText: Promise<string> | undefined;
    const presented = bearer(req);
    const queryToken = presented ? undefined : (url.searchParams.get('token') ?? undefined);
    const tracked = this.trackResponse(res, presented ?? queryToken);
    const checked = await this.auth.check(presented);
    // A `?token=` (EventSource cannot set headers) is accepted only by the stream routes, which check it
    // themselves; it is checked here too so that a refusal names why and its expiry ends the stream on time.
    const viaQuery = queryToken ? await this.auth.check(queryToken) : undefined;
    const live = checked.ok ? checked : viaQuery?.ok ? viaQuery : undefined;
    if (live?.claims.expiresAt !== undefined) this.auth.live.expireAt(live.key, live.claims.expiresAt);
    const ctx: RequestContext = {
      req,
      res,
      params,
      query: url.searchParams,
      claims: checked.ok ? checked.claims : undefined,
      ...(checked.ok ? {} : { refusal: viaQuery && !viaQuery.ok ? viaQuery.refusal : checked.refusal }),
      body: () => (bodyText ??= readBody(req, this.maxBodyBytes)),
      json: async () => {
        checkJsonType(req);
        const text = await ctx.body();
        let value: unknown;
        try {
          value = JSON.parse(text) as unknown;
        } catch {
          throw new HttpError(400, 'the request body is not valid JSON');
        }
        // Handlers read fields off the body; `null` would make them throw a TypeError (a 500) instead of
        // telling the client what is wrong.
        if (value === null || typeof value !== 'object') throw new HttpError(400, `the request body must be a JSON object or array, not ${value === null ? 'null' : typeof value}`);
        return value;
      },
    };
    let handled = false;
    try {
      for (const c of checks) await c.check(ctx);
      const reply = await route.handler(ctx);
      if (reply !== 'handled') send(res, reply);
      else handled = true;
    } catch (err) {
      send(res, errorReply(err));
    }
    tracked.afterHandler(handled);
    return true;
  }

  /**
   * Ties the response to the token it presented (header or `?token=`), so revoking or expiring the token
   * ends it. A response its handler left open ('handled' and not ended) is a stream (SSE): it gets a last
   * event naming why, then ends. One still being made when that happens (a stream that is starting) is
   * ended as soon as its handler returns.
   */
  private trackResponse(res: ServerResponse, token: string | undefined): { afterHandler(handled: boolean): void } {
    if (!token || token.length > 200) return { afterHandler: () => undefined };
    let pending: { code: number; reason: string } | undefined;
    let stream = false;
    const end = (code: number, reason: string) => {
      if (res.writableEnded || res.destroyed) return;
      if (!res.headersSent) {
        pending = { code, reason };
        return;
      }
      if (stream) {
        const type = code === CloseCode.TokenExpired ? 'TokenExpired' : 'TokenRevoked';
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, message: reason })}\n\n`);
      }
      res.end();
    };
    const stop = this.auth.live.track(hashToken(token), end);
    res.on('close', stop);
    return {
      afterHandler: (handled) => {
        stream = handled;
        if (pending) end(pending.code, pending.reason);
      },
    };
  }
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...reply.headers };
  // After a 413 the rest of the body is still on the wire: the connection cannot carry another request.
  if (reply.status === 413) headers['connection'] = 'close';
  if (reply.text !== undefined) {
    res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(reply.text);
  } else if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
  } else {
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(reply.body));
  }
}

/** Refuses the request unless its token has one of these roles (and, when bound to an event, that event). */
export function requireRole(ctx: RequestContext, roles: readonly Role[], eventId?: string): Claims {
  const c = ctx.claims;
  if (!c) throw new TokenRefusedError(ctx.refusal ?? { type: 'MissingToken', message: 'a bearer token is required', closeCode: CloseCode.Unauthorized });
  if (c.role === 'admin') return c;
  if (!roles.includes(c.role)) throw new HttpError(403, `the ${c.role} role may not do this`);
  if (eventId !== undefined && c.eventId !== eventId) throw new HttpError(403, `this token belongs to another event`);
  return c;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/**
 * JSON endpoints answer 415 to a body that says it is something else (`text/plain` is what a browser form or
 * a careless `fetch` sends, and it skips the CORS preflight). No content-type at all is taken as JSON, so
 * `curl --data-binary` keeps working.
 */
function checkJsonType(req: IncomingMessage): void {
  const type = req.headers['content-type'];
  if (type === undefined) return;
  const mime = type.split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(mime)) return;
  throw new HttpError(415, `this endpoint takes application/json, not ${mime || 'an empty content-type'}`);
}

/** The error a body over the limit gets: answered, then the connection is closed (see `readBody`). */
export class BodyTooLargeError extends HttpError {
  constructor(limit: number) {
    super(413, `the request body is larger than ${limit} bytes`);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // A declared length over the limit is refused before a byte of it is read.
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) return tooLarge();
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);

    /**
     * Destroying the request at once reset the connection before the client could read any answer. Instead
     * the 413 is written with `connection: close` (Node ends the socket once it is sent), and what the client
     * is still sending is read and dropped meanwhile, so its writes do not fail before it sees the answer.
     */
    function tooLarge(): void {
      chunks.length = 0;
      req.removeAllListeners('data');
      req.on('data', () => undefined);
      reject(new BodyTooLargeError(limit));
    }
  });
}
