import type { IncomingMessage, ServerResponse } from 'node:http';
import { PopupError, toTagged, ValidationError } from '../../core/errors.ts';
import type { Auth, Claims, Role } from '../auth.ts';

/**
 * A small JSON router. Handlers get the parsed request and return a reply; errors become tagged
 * `{ type, message }` bodies with a status that says whose fault it was. Nothing is swallowed.
 */
export class HttpError extends PopupError {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
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
  /** The body, read on first call (bounded by the body limit). */
  body(): Promise<string>;
  json(): Promise<unknown>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply | 'handled'> | Reply | 'handled';

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  constructor(
    private readonly auth: Auth,
    private readonly maxBodyBytes: number,
  ) {}

  /** `path` like `/api/events/:eventId/stock`; a `:name` matches one path segment. */
  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = new RegExp(`^${path.replace(/:([a-zA-Z]+)/g, (_m, k: string) => (keys.push(k), '([^/]+)'))}$`);
    this.routes.push({ method, pattern, keys, handler });
    return this;
  }

  /** Handles the request if a route matches; returns false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const matching = this.routes.filter((r) => r.pattern.test(url.pathname));
    if (matching.length === 0) return false;
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      send(res, { status: 405, body: { type: 'MethodNotAllowed', message: `${req.method} is not allowed here` }, headers: { allow: matching.map((r) => r.method).join(', ') } });
      return true;
    }
    const m = route.pattern.exec(url.pathname)!;
    const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
    let bodyText: Promise<string> | undefined;
    const ctx: RequestContext = {
      req,
      res,
      params,
      query: url.searchParams,
      claims: await this.auth.verify(bearer(req)),
      body: () => (bodyText ??= readBody(req, this.maxBodyBytes)),
      json: async () => {
        const text = await ctx.body();
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new HttpError(400, 'the request body is not valid JSON');
        }
      },
    };
    try {
      const reply = await route.handler(ctx);
      if (reply !== 'handled') send(res, reply);
    } catch (err) {
      send(res, errorReply(err));
    }
    return true;
  }
}

export function errorReply(err: unknown): Reply {
  const tagged = toTagged(err);
  if (err instanceof HttpError) return { status: err.status, body: { ...tagged, ...(err.details !== undefined ? { details: err.details } : {}) } };
  if (err instanceof ValidationError) return { status: 422, body: { ...tagged, field: err.field } };
  if (err instanceof PopupError) return { status: 409, body: tagged };
  return { status: 500, body: { type: 'InternalError', message: tagged.message } };
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...reply.headers };
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
  if (!c) throw new HttpError(401, 'a bearer token is required');
  if (c.role === 'admin') return c;
  if (!roles.includes(c.role)) throw new HttpError(403, `the ${c.role} role may not do this`);
  if (eventId !== undefined && c.eventId !== eventId) throw new HttpError(403, `this token belongs to another event`);
  return c;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, `the request body is larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
