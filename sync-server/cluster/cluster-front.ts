import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClusterMetrics, ForwardFailure } from './cluster-metrics.ts';
import type { EventOwnership } from './event-ownership.ts';
import { acceptForward, FORWARDED_HEADER, forwardHttp, ForwardNotAuthenticated, forwardUpgrade, OwnerUnreachableError } from './forward.ts';
import { routeOf, type EventLookup, type EventRoute } from './request-event.ts';

/**
 * The front door of a cluster process: every HTTP request and WebSocket upgrade passes here before the
 * server's own edge. A request for an event this process owns (or can take: nobody live holds it) is served
 * here; one for an event another live process owns is forwarded to it (forward.ts); anything else (no event
 * named, or one the lookups do not know) is served here, where the server answers it as it always does.
 *
 * Refusals, all 503 with `Retry-After: 1` and a tagged body `{ type, message }`, nothing forwarded or served:
 *  - `EventOwnerUnreachable`: the holder's lease is live but it does not answer (it just died: its lease runs
 *    out within the TTL, and the retry is served by whichever process takes it);
 *  - `ForwardLoop`: a request already forwarded once names an event this process does not own either (the
 *    lease moved while it travelled): forwarding again could bounce it between processes;
 *  - `LeaseUnknown`: the database that holds the leases did not answer (or this process is shutting down).
 * A request carrying the forwarding headers must be signed by a peer (forward.ts, acceptForward): otherwise
 * 403 `ForwardNotAuthenticated`, nothing forwarded or served, so a client can neither choose the address the
 * rate limits count (`x-popup-client`) nor pose as a peer.
 */
export interface ClusterFrontOptions {
  ownership: EventOwnership;
  lookup: EventLookup;
  metrics?: ClusterMetrics;
  /** The cluster's secret (cluster-secret.ts): forwards are signed with it, and believed only when signed with it. */
  secret: Buffer;
  /** The client's address as this process judges it (RateLimits.clientAddress), passed on in a forward. */
  clientAddress: (req: IncomingMessage) => string;
  /** The largest body read to find its event (POST /api/events, /api/pair, rebuild); default 1 MiB. */
  maxRoutingBodyBytes?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

type Decision = { serve: 'here' } | { serve: 'there'; ownerUrl: string; body: Buffer | undefined; eventId: string } | { serve: 'refuse'; reason: ForwardFailure; message: string };

export class ClusterFront {
  constructor(private readonly opts: ClusterFrontOptions) {}

  /** Serves the request with `local`, or forwards it, or answers 503. */
  async request(req: IncomingMessage, res: ServerResponse, local: () => void): Promise<void> {
    const forged = this.forged(req);
    if (forged) return refuseHttp(res, forged);
    const d = await this.decide(req, true);
    if (d.serve === 'here') return local();
    if (d.serve === 'refuse') return refuseHttp(res, d);
    try {
      await forwardHttp(req, res, d.ownerUrl, { ...this.signing(req), ...(d.body ? { body: d.body } : {}) });
      this.count('http');
    } catch (err) {
      if (!(err instanceof OwnerUnreachableError)) throw err;
      this.unreachable(d.eventId, err);
      refuseHttp(res, { reason: 'unreachable', message: err.message });
    }
  }

  /** Serves the upgrade with `local`, or pipes it to the owner, or answers 503 on the socket. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, local: () => void): Promise<void> {
    const forged = this.forged(req);
    if (forged) return refuseUpgrade(socket, forged);
    const d = await this.decide(req, false);
    if (d.serve === 'here') return local();
    if (d.serve === 'refuse') return refuseUpgrade(socket, d);
    try {
      await forwardUpgrade(req, socket, head, d.ownerUrl, this.signing(req));
      this.count('websocket');
    } catch (err) {
      if (!(err instanceof OwnerUnreachableError)) throw err;
      this.unreachable(d.eventId, err);
      refuseUpgrade(socket, { reason: 'unreachable', message: err.message });
    }
  }

  /** A request whose forwarding headers are not a peer's: the refusal (403), else undefined. */
  private forged(req: IncomingMessage): Refusal | undefined {
    try {
      acceptForward(req, this.opts.secret);
      return undefined;
    } catch (err) {
      if (!(err instanceof ForwardNotAuthenticated)) throw err;
      this.opts.metrics?.count(this.opts.metrics.forwardErrors, 'not-authenticated');
      this.opts.log?.('warn', 'refused a request posing as a forward from a cluster peer', { url: req.url, address: req.socket.remoteAddress, err: err.message });
      return { reason: 'not-authenticated', message: err.message };
    }
  }

  private signing(req: IncomingMessage): { self: string; secret: Buffer; client: string } {
    return { self: this.opts.ownership.owner, secret: this.opts.secret, client: this.opts.clientAddress(req) };
  }

  /** What /healthz shows of the cluster: this process and the events it owns. */
  health(): { owner: string; url: string; events: { eventId: string; epoch: number }[] } {
    const o = this.opts.ownership;
    return { owner: o.owner, url: o.url, events: o.owned() };
  }

  private async decide(req: IncomingMessage, mayReadBody: boolean): Promise<Decision> {
    let eventId: string | undefined;
    let body: Buffer | undefined;
    try {
      let route: EventRoute = routeOf(req.method ?? 'GET', req.url ?? '/');
      if (route.kind === 'body') {
        // An upgrade has no body; a body too large to route by is left to the server, which refuses it.
        const read = mayReadBody ? await peekBody(req, this.opts.maxRoutingBodyBytes ?? 1024 * 1024) : undefined;
        body = read;
        route = read ? route.pick(parseJson(read)) : { kind: 'none' };
      }
      if (route.kind === 'lookup') {
        const found = await this.opts.lookup(route.what, route.key);
        route = found ? { kind: 'event', eventId: found } : { kind: 'none' };
      }
      if (route.kind !== 'event') return { serve: 'here' };
      eventId = route.eventId;
      const placed = await this.opts.ownership.place(eventId);
      if (placed.kind === 'own') return { serve: 'here' };
      if (req.headers[FORWARDED_HEADER] !== undefined) {
        return { serve: 'refuse', reason: 'loop', message: `event ${eventId} moved to ${placed.holder.owner} while this request was being forwarded; try again` };
      }
      return { serve: 'there', ownerUrl: placed.holder.url, body, eventId };
    } catch (err) {
      this.opts.log?.('warn', 'could not tell who owns an event', { eventId, err: String(err) });
      return { serve: 'refuse', reason: 'lease-unknown', message: `this server cannot tell who serves ${eventId ? `event ${eventId}` : 'this request'} right now: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private count(kind: 'http' | 'websocket'): void {
    this.opts.metrics?.count(this.opts.metrics.forwards, kind);
  }

  private unreachable(eventId: string, err: OwnerUnreachableError): void {
    this.opts.ownership.forgetHolder(eventId);
    this.opts.log?.('warn', 'the owner of an event did not answer a forward', { eventId, err: err.message });
    this.opts.metrics?.count(this.opts.metrics.forwardErrors, 'unreachable');
  }
}

const REFUSAL_TYPE: Record<ForwardFailure, string> = { unreachable: 'EventOwnerUnreachable', loop: 'ForwardLoop', 'lease-unknown': 'LeaseUnknown', 'not-authenticated': 'ForwardNotAuthenticated' };

interface Refusal {
  reason: ForwardFailure;
  message: string;
}

/** 403 for a forged forward (retrying cannot help), 503 with Retry-After for the rest (a lease moving). */
function refusalStatus(r: Refusal): { status: number; text: string; retry: boolean } {
  return r.reason === 'not-authenticated' ? { status: 403, text: 'Forbidden', retry: false } : { status: 503, text: 'Service Unavailable', retry: true };
}

function refuseHttp(res: ServerResponse, r: Refusal): void {
  if (res.headersSent) return void res.destroy();
  const s = refusalStatus(r);
  res.writeHead(s.status, { 'content-type': 'application/json', ...(s.retry ? { 'retry-after': '1' } : {}), 'cache-control': 'no-store' });
  res.end(JSON.stringify({ type: REFUSAL_TYPE[r.reason], message: r.message }));
}

function refuseUpgrade(socket: Duplex, r: Refusal): void {
  if (socket.destroyed) return;
  const s = refusalStatus(r);
  const body = JSON.stringify({ type: REFUSAL_TYPE[r.reason], message: r.message });
  socket.end(`HTTP/1.1 ${s.status} ${s.text}\r\n${s.retry ? 'retry-after: 1\r\n' : ''}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function parseJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Reads a request body of a declared length without consuming it: the bytes are pushed back onto the
 * stream (before its 'end' is emitted), so the server's router reads them as if nobody had. A body with no
 * Content-Length, or longer than `max`, is not read (undefined): the request is then served here.
 */
function peekBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (!Number.isInteger(declared) || declared <= 0 || declared > max) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = (result: Buffer | undefined) => {
      req.off('readable', onReadable);
      req.off('error', onError);
      req.off('end', onEnd);
      resolve(result);
    };
    const onReadable = () => {
      let c: Buffer | null;
      while ((c = req.read() as Buffer | null) !== null) {
        chunks.push(c);
        got += c.length;
      }
      if (got >= declared) {
        const all = Buffer.concat(chunks);
        // Synchronously, in the same turn as the last read: 'end' cannot have been emitted yet.
        req.unshift(all);
        done(all);
      }
    };
    const onError = (err: Error) => {
      req.off('readable', onReadable);
      reject(err);
    };
    // Ended short of its declared length: push back what came and let the router refuse it.
    const onEnd = () => done(undefined);
    req.on('readable', onReadable);
    req.on('error', onError);
    req.on('end', onEnd);
  });
}
