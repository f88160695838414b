import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { brandDocName, setupDocName } from '../../core/event/schema.ts';
import { CloseCode } from '../../sync-server/close-codes.ts';

/** Close codes after which the same token will be refused again: a revoked or expired hub token included. */
const REFUSED = new Set<number>([CloseCode.Unauthorized, CloseCode.Forbidden, CloseCode.TokenRevoked, CloseCode.TokenExpired]);

/**
 * Forwards everything both ways between the LAN hub and the event's upstream server, once the hub can reach
 * it: the tills paired at the venue keep syncing with the hub, and through this bridge their sales reach the
 * online drop's server, while stock moves, grants and catalog changes made upstream reach the tills.
 *
 * How: per document of the event (its setup, then each brand), one Y.Doc in this process joined to BOTH
 * servers with stock y-websocket providers — to the hub with its admin token, to the upstream with a token
 * of the `hub` role the organiser issued there. Yjs does the rest: each side's updates are applied to the
 * middle document and sent on to the other, and on every (re)connection the two sides exchange state
 * vectors (sync step 1 / 2), so only what the other side lacks is sent — a hub that was cut off for a day
 * sends that day's sales, not the event. Both servers check everything they receive with their own guard:
 * the upstream sees the hub role, which may relay only what the event's paired tills wrote
 * (sync-server/update-guard.ts).
 *
 * Brand documents are joined only after the setup is in sync on both sides: an entry is accepted only from
 * the device its till is paired with, so the till must be known before its sales arrive. An update refused
 * anyway (4422: a race with a pairing, say) closes that connection; the provider reconnects with back-off
 * and the state-vector exchange resends it. A refused token (4401/4403, revoked 4410, expired 4419) stops the bridge with the reason.
 */
export interface UpstreamConfig {
  /** The upstream sync server, http(s)://host[:port]. */
  url: string;
  /** A `hub` token for the event, issued by its organiser on the upstream server. */
  token: string;
  eventId: string;
}

export interface BridgeStatus {
  /** Every document is connected to the upstream and in sync. */
  connected: boolean;
  documents: number;
  /** Wall time of the last moment every document was in sync with the upstream. */
  lastSyncedAt?: number;
  /** Why the bridge stopped (a refused token) or what it last saw go wrong. */
  problem?: string;
}

interface Pair {
  doc: Y.Doc;
  local: WebsocketProvider;
  remote: WebsocketProvider;
}

const wsUrl = (httpUrl: string) => `${httpUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/sync`;

export class UpstreamBridge {
  private readonly pairs = new Map<string, Pair>();
  private stopped = false;
  private lastSyncedAt: number | undefined;
  private problem: string | undefined;

  constructor(
    private readonly opts: {
      /** The hub's own server (http://127.0.0.1:port) and its admin token. */
      local: { url: string; token: string };
      upstream: UpstreamConfig;
      log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
      /** Longest wait between reconnection attempts. Default 10 s. */
      maxBackoffMs?: number;
      now?: () => number;
    },
  ) {
    if (!/^https?:\/\/[^/]+/.test(opts.upstream.url)) throw new Error(`the upstream server's address must start with http:// or https://, got "${opts.upstream.url}"`);
  }

  start(): void {
    const setup = this.join(setupDocName(this.opts.upstream.eventId));
    // Brands are joined once the setup is in sync both ways, and whenever the upstream adds one.
    const joinBrands = () => {
      if (!setup.local.synced || !setup.remote.synced) return;
      for (const brandId of setup.doc.getMap('brands').keys()) this.join(brandDocName(this.opts.upstream.eventId, brandId));
    };
    setup.local.on('sync', joinBrands);
    setup.remote.on('sync', joinBrands);
    setup.doc.getMap('brands').observe(joinBrands);
  }

  status(): BridgeStatus {
    const connected = this.allSynced();
    return { connected, documents: this.pairs.size, ...(this.lastSyncedAt ? { lastSyncedAt: this.lastSyncedAt } : {}), ...(this.problem ? { problem: this.problem } : {}) };
  }

  stop(): void {
    this.stopped = true;
    for (const p of this.pairs.values()) {
      p.local.destroy();
      p.remote.destroy();
      p.doc.destroy();
    }
    this.pairs.clear();
  }

  private allSynced(): boolean {
    const all = [...this.pairs.values()];
    return all.length > 0 && all.every((p) => p.remote.synced && p.local.synced);
  }

  private join(name: string): Pair {
    const existing = this.pairs.get(name);
    if (existing) return existing;
    const doc = new Y.Doc();
    const common = { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true, maxBackoffTime: this.opts.maxBackoffMs ?? 10_000 };
    const local = new WebsocketProvider(wsUrl(this.opts.local.url), name, doc, { ...common, params: { token: this.opts.local.token } });
    const remote = new WebsocketProvider(wsUrl(this.opts.upstream.url), name, doc, {
      ...common,
      params: { token: this.opts.upstream.token },
      // A refused token will not work on the next try either; anything else (a rejected update, the server
      // restarting, the venue's uplink dropping) is worth retrying.
      shouldReconnect: (event) => !REFUSED.has(event.code),
    });
    for (const [side, provider] of [
      ['hub', local],
      ['upstream', remote],
    ] as const) {
      provider.on('connection-close', (event) => {
        if (this.stopped || !event) return;
        const code = (event as { code?: number }).code;
        const reason = (event as { reason?: string }).reason;
        if (code !== undefined && REFUSED.has(code)) {
          this.problem = `the ${side} server refused the ${side === 'upstream' ? 'hub' : 'admin'} token for ${name} (${code}): ask the organiser for a new hub token`;
          this.opts.log('error', this.problem);
        } else if (code === CloseCode.UpdateRejected) {
          this.problem = `the ${side} server refused a change to ${name}: ${reason ?? ''}`.trim();
          this.opts.log('warn', this.problem);
        }
      });
      provider.on('sync', (synced: boolean) => {
        if (!synced) return;
        this.opts.log('info', `${name} in sync with the ${side}`);
        if (this.allSynced()) {
          this.lastSyncedAt = (this.opts.now ?? Date.now)();
          // A refused update that went through on a later try is no longer a problem; a refused token stays.
          if (this.problem && !this.problem.includes('token')) this.problem = undefined;
        }
      });
    }
    const pair = { doc, local, remote };
    this.pairs.set(name, pair);
    return pair;
  }
}
