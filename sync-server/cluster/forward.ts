import { createHmac, timingSafeEqual } from 'node:crypto';
import { request, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Passing a request on to the process that owns its event (docs/operations.md, "Routing").
 *
 * HTTP: streamed both ways with node:http (a Server-Sent Events stream flows chunk by chunk for as long as
 * either side keeps it open); end-to-end headers kept, hop-by-hop ones (RFC 9110 §7.6.1) dropped, the
 * client's address appended to X-Forwarded-For, and `x-popup-forwarded: <this process>` added so that the
 * receiver never forwards it again (a loop while a lease moves ends as a 503, not a ping-pong). The client's
 * address as this process judged it goes in `x-popup-client`, and both are signed (`x-popup-forward-auth`, an
 * HMAC with the cluster's secret kept in the shared store): the owner's per-address rate limits count the
 * client, not the forwarding process, and believe the header only from a peer (acceptForward).
 * WebSocket: the upgrade request is sent on to the owner as it came (plus the same headers), and once the
 * owner answers 101 the two TCP sockets are piped together; the frames, the close code included, pass
 * untouched. When either side ends, the other is ended too, so a client whose owner died sees its
 * connection drop and reconnects.
 */
export const FORWARDED_HEADER = 'x-popup-forwarded';
/** The client's address as the forwarding process judged it (its socket peer, or behind --trust-proxy the proxy's hop). */
export const CLIENT_HEADER = 'x-popup-client';
/** `<unix ms>.<HMAC-SHA256 hex>` over the forward's claims, with the cluster's secret (cluster-secret.ts). */
export const FORWARD_AUTH_HEADER = 'x-popup-forward-auth';
/** How far a signed forward's clock may be from the receiver's: peers' clocks differ a little; a replay is bounded. */
const FORWARD_AUTH_SKEW_MS = 60_000;

/** Hop-by-hop headers: they describe one connection, not the request. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Why a forward failed before the owner answered (the caller answers 503 and retries later). */
export class OwnerUnreachableError extends Error {
  override readonly name = 'OwnerUnreachableError';
  constructor(
    readonly ownerUrl: string,
    cause: unknown,
  ) {
    super(`the process that owns this event (${ownerUrl}) did not answer: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export interface ForwardOptions {
  /** This process's owner id, sent in `x-popup-forwarded`. */
  self: string;
  /** The cluster's secret (cluster-secret.ts): the owner believes the forward's client address only when signed with it. */
  secret: Buffer;
  /** The client's address as this process judges it (RateLimits.clientAddress): the owner's rate limits count it. */
  client: string;
  /** Time allowed to connect to the owner (default 2 s): a dead owner must not hold a client for long. */
  connectTimeoutMs?: number;
  /** A body the caller already read (to find the event in it); sent instead of the request stream. */
  body?: Buffer;
}

/** The request's headers for the next hop: end-to-end ones kept, forwarding ones added and signed. */
export function forwardHeaders(req: IncomingMessage, opts: Pick<ForwardOptions, 'self' | 'secret' | 'client'>, keepUpgrade: boolean, path = req.url ?? '/', now = Date.now()): OutgoingHttpHeaders {
  const named = new Set(connectionTokens(req.headers));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if ((HOP_BY_HOP.has(name) || named.has(name)) && !(keepUpgrade && (name === 'connection' || name === 'upgrade'))) continue;
    out[name] = value;
  }
  const prior = req.headers['x-forwarded-for'];
  const client = req.socket.remoteAddress ?? 'unknown';
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  out[FORWARDED_HEADER] = opts.self;
  out[CLIENT_HEADER] = opts.client;
  out[FORWARD_AUTH_HEADER] = forwardAuth(opts.secret, now, opts.self, opts.client, req.method ?? 'GET', path);
  return out;
}

/** The `x-popup-forward-auth` value: when, and an HMAC over who forwarded which request for which client. */
export function forwardAuth(secret: Buffer, at: number, self: string, client: string, method: string, path: string): string {
  return `${at}.${forwardMac(secret, at, self, client, method, path)}`;
}

/** What a forward's signature covers: who forwarded it, for which client, which request, when. */
function forwardMac(secret: Buffer, at: number, self: string, client: string, method: string, url: string): string {
  return createHmac('sha256', secret).update(`${at}\n${self}\n${client}\n${method}\n${url}`).digest('hex');
}

/** A request carrying the forwarding headers without a valid signature: a client posing as a cluster peer. */
export class ForwardNotAuthenticated extends Error {
  override readonly name = 'ForwardNotAuthenticated';
}

/** The client address of each request a cluster peer forwarded and signed (set by `acceptForward`). */
const forwardedClients = new WeakMap<IncomingMessage, string>();

/**
 * Checks the forwarding headers of an incoming request: none at all is a plain client request (undefined);
 * a valid signature by a peer (the cluster's secret, a fresh timestamp, this very method and target) makes
 * `forwardedClientOf(req)` the client's address and returns the peer's owner id; anything else — a marker
 * without a signature, a wrong or stale one, a client address the signature does not cover — throws
 * `ForwardNotAuthenticated`, so a client can neither pick the address the rate limits count nor pose as a peer.
 */
export function acceptForward(req: IncomingMessage, secret: Buffer, now = Date.now()): string | undefined {
  const self = req.headers[FORWARDED_HEADER];
  const client = req.headers[CLIENT_HEADER];
  const auth = req.headers[FORWARD_AUTH_HEADER];
  if (self === undefined && client === undefined && auth === undefined) return undefined;
  if (typeof self !== 'string' || typeof client !== 'string' || typeof auth !== 'string') {
    throw new ForwardNotAuthenticated(`${FORWARDED_HEADER}, ${CLIENT_HEADER} and ${FORWARD_AUTH_HEADER} are for the processes of a cluster, signed with its secret; this request's are not`);
  }
  const m = /^(\d{1,15})\.([0-9a-f]{64})$/.exec(auth);
  if (!m) throw new ForwardNotAuthenticated(`${FORWARD_AUTH_HEADER} must be <unix ms>.<64 hex digits>`);
  const at = Number(m[1]);
  if (Math.abs(now - at) > FORWARD_AUTH_SKEW_MS) throw new ForwardNotAuthenticated(`${FORWARD_AUTH_HEADER} is ${Math.round((now - at) / 1000)} s away from this server's clock (at most ${FORWARD_AUTH_SKEW_MS / 1000} s)`);
  const want = Buffer.from(forwardMac(secret, at, self, client, req.method ?? 'GET', req.url ?? '/'), 'hex');
  if (!timingSafeEqual(want, Buffer.from(m[2]!, 'hex'))) throw new ForwardNotAuthenticated(`${FORWARD_AUTH_HEADER} is not signed with this cluster's secret`);
  forwardedClients.set(req, client);
  return self;
}

/** The client's address a cluster peer vouched for (acceptForward), or undefined for a request from a client. */
export function forwardedClientOf(req: IncomingMessage): string | undefined {
  return forwardedClients.get(req);
}

/** The response's headers for the client: hop-by-hop ones dropped. */
function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(connectionTokens(headers));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  return out;
}

function connectionTokens(headers: IncomingHttpHeaders): string[] {
  const c = headers.connection;
  return (Array.isArray(c) ? c.join(',') : (c ?? '')).split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
}

/**
 * Sends the request on to `ownerUrl` and streams the answer back. Resolves once the owner's answer has
 * started (its status is sent); rejects with OwnerUnreachableError when the owner could not be reached or
 * failed before answering, with nothing sent to the client yet (the caller answers 503).
 */
export function forwardHttp(req: IncomingMessage, res: ServerResponse, ownerUrl: string, opts: ForwardOptions): Promise<void> {
  const target = new URL(req.url ?? '/', ownerUrl);
  return new Promise<void>((resolve, reject) => {
    let answered = false;
    const out = request(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: pathOf(target), headers: forwardHeaders(req, opts, false, pathOf(target)) },
      (ownerRes) => {
        answered = true;
        clearTimeout(connectTimer);
        res.writeHead(ownerRes.statusCode ?? 502, ownerRes.statusMessage, responseHeaders(ownerRes.headers));
        // A stream (SSE) is sent on as it comes, not held for Nagle's algorithm.
        res.socket?.setNoDelay(true);
        res.flushHeaders();
        ownerRes.pipe(res);
        // The owner's side broke off mid-answer (it died): the client must see a cut, not a clean end.
        ownerRes.on('error', () => res.destroy());
        ownerRes.on('aborted', () => res.destroy());
        resolve();
      },
    );
    const connectTimer = connectTimeout(out, opts);
    out.on('error', (err) => {
      clearTimeout(connectTimer);
      if (!answered) reject(new OwnerUnreachableError(ownerUrl, err));
      else res.destroy();
    });
    // The client went away (closed its stream): stop asking the owner for it.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    if (opts.body) out.end(opts.body);
    else req.pipe(out);
  });
}

/**
 * Sends a WebSocket upgrade on to `ownerUrl` and pipes the sockets together once it answers 101. Any other
 * answer (a 404, a 503 of its own) is passed back to the client as it is. Rejects with
 * OwnerUnreachableError, the client's socket untouched, when the owner cannot be reached.
 */
export function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ownerUrl: string, opts: ForwardOptions): Promise<void> {
  const target = new URL(req.url ?? '/', ownerUrl);
  return new Promise<void>((resolve, reject) => {
    let answered = false;
    const out = request({ protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: pathOf(target), headers: forwardHeaders(req, opts, true, pathOf(target)) });
    const connectTimer = connectTimeout(out, opts);
    out.on('upgrade', (ownerRes, ownerSocket, ownerHead) => {
      answered = true;
      clearTimeout(connectTimer);
      if (socket.destroyed) {
        ownerSocket.destroy();
        return resolve();
      }
      socket.write(statusBlock(101, ownerRes.statusMessage ?? 'Switching Protocols', ownerRes.rawHeaders));
      if (ownerHead.length) socket.write(ownerHead);
      if (head.length) ownerSocket.write(head);
      ownerSocket.setNoDelay(true);
      ownerSocket.pipe(socket).pipe(ownerSocket);
      // Either side ending ends both: a dead owner drops its clients, who reconnect elsewhere.
      const cut = () => {
        socket.destroy();
        ownerSocket.destroy();
      };
      ownerSocket.on('error', cut).on('close', cut);
      socket.on('error', cut).on('close', cut);
      resolve();
    });
    out.on('response', (ownerRes) => {
      answered = true;
      clearTimeout(connectTimer);
      // Not upgraded (refused by the owner's edge): hand its answer back and end.
      const chunks: Buffer[] = [];
      ownerRes.on('data', (c: Buffer) => chunks.push(c));
      ownerRes.on('end', () => {
        socket.end(Buffer.concat([Buffer.from(statusBlock(ownerRes.statusCode ?? 502, ownerRes.statusMessage ?? '', withoutHopByHop(ownerRes.rawHeaders), ['connection: close'])), ...chunks]));
        resolve();
      });
      ownerRes.on('error', () => socket.destroy());
    });
    out.on('error', (err) => {
      clearTimeout(connectTimer);
      if (!answered) reject(new OwnerUnreachableError(ownerUrl, err));
      else socket.destroy();
    });
    out.end();
  });
}

/**
 * Bounds the time to *connect* to the owner (a dead host must not hold the client), not the time it takes
 * to answer: a slow order or a long stream is the owner's business. A kept-alive socket is connected already.
 */
function connectTimeout(out: ClientRequest, opts: ForwardOptions): ReturnType<typeof setTimeout> {
  const ms = opts.connectTimeoutMs ?? 2000;
  const timer = setTimeout(() => out.destroy(new Error(`could not connect within ${ms} ms`)), ms);
  out.on('socket', (s) => {
    if (!s.connecting) clearTimeout(timer);
    else s.once('connect', () => clearTimeout(timer));
  });
  return timer;
}

/** The request target sent to the owner (and signed: the owner checks the signature against what it received). */
function pathOf(target: URL): string {
  return `${target.pathname}${target.search}`;
}

function withoutHopByHop(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  return out;
}

function statusBlock(status: number, message: string, rawHeaders: string[], extra: string[] = []): string {
  const lines = [`HTTP/1.1 ${status} ${message}`];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  lines.push(...extra);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
