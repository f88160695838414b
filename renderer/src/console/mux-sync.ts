import * as Y from 'yjs';
import { decodeMessage, decodeMuxFrame, muxFrame, syncStep1, syncStep2 } from '../../../core/base/wire.ts';
import { Reconnect } from '../sync/reconnect.ts';

/**
 * Read-only copies of many documents over one WebSocket (`/sync-multi`, sync-server/ws-multiplex.ts): the
 * console follows an event's setup, brands and tills on one connection instead of one each. Per document it
 * speaks the ordinary y-websocket protocol, framed with the document's name. It never sends a change of its
 * own: the console writes through the HTTP API, where the server validates each change.
 */
export interface MuxSyncOptions {
  /** The sync base URL, `ws(s)://host:port/sync`. */
  syncUrl: string;
  token: string;
  WebSocket?: typeof WebSocket;
  /** Reconnect delays (sync/reconnect.ts; default 500 ms, then every 1 s for 15 s, then doubling to 15 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

interface Followed {
  doc: Y.Doc;
  synced: boolean;
  onStatus: () => void;
  /** A refusal that will not change by retrying (no access, no such document), shown to the organiser. */
  refused: string | undefined;
  retry: ReturnType<typeof setTimeout> | undefined;
}

const REMOTE = Symbol('mux-remote');
/** Close codes after which asking again would be refused again. */
const FINAL = new Set([4401, 4403, 4404, 4410, 4419]);

export class MuxSync {
  private ws: WebSocket | undefined;
  private readonly docs = new Map<string, Followed>();
  private readonly reconnect: Reconnect;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private destroyed = false;
  connected = false;

  constructor(private readonly opts: MuxSyncOptions) {
    this.reconnect = new Reconnect({ ...(opts.minBackoffMs !== undefined ? { minMs: opts.minBackoffMs } : {}), ...(opts.maxBackoffMs !== undefined ? { maxMs: opts.maxBackoffMs } : {}) });
    this.connect();
  }

  /** Follows a document; `onStatus` hears when it is synced or loses sync. */
  add(name: string, doc: Y.Doc, onStatus: () => void): void {
    this.docs.set(name, { doc, synced: false, onStatus, refused: undefined, retry: undefined });
    this.greet(name);
  }

  synced(name: string): boolean {
    return this.docs.get(name)?.synced ?? false;
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.timer);
    for (const f of this.docs.values()) clearTimeout(f.retry);
    this.ws?.close(1000, 'console closing');
  }

  private connect(): void {
    if (this.destroyed) return;
    const Ws = this.opts.WebSocket ?? WebSocket;
    const url = `${this.opts.syncUrl.replace(/\/sync\/?$/, '')}/sync-multi?token=${encodeURIComponent(this.opts.token)}`;
    const ws = new Ws(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.connected = true;
      this.reconnect.reset();
      for (const name of this.docs.keys()) this.greet(name);
    };
    ws.onmessage = (ev: MessageEvent) => this.handle(new Uint8Array(ev.data as ArrayBuffer));
    ws.onclose = () => {
      this.connected = false;
      this.ws = undefined;
      for (const f of this.docs.values()) this.setSynced(f, false);
      if (this.destroyed) return;
      this.timer = setTimeout(() => this.connect(), this.reconnect.next());
    };
    ws.onerror = () => undefined; // onclose follows and schedules the retry
  }

  /** Opens a document on the connection: our state vector asks for what we lack. */
  private greet(name: string): void {
    const f = this.docs.get(name);
    if (!f || this.ws?.readyState !== 1) return;
    this.send(name, syncStep1(Y.encodeStateVector(f.doc)));
  }

  private send(name: string, message: Uint8Array): void {
    // lib0 encoders always allocate plain ArrayBuffers, never shared ones.
    if (this.ws?.readyState === 1) this.ws.send(muxFrame(name, message) as Uint8Array<ArrayBuffer>);
  }

  private handle(data: Uint8Array): void {
    let name: string;
    let msg: ReturnType<typeof decodeMessage>;
    try {
      const frame = decodeMuxFrame(data);
      name = frame.docName;
      msg = decodeMessage(frame.message);
    } catch {
      return; // not ours to understand; the server only sends the protocol
    }
    const f = this.docs.get(name);
    if (!f) return;
    switch (msg.type) {
      case 'sync-step1':
        // A read-only copy has nothing the server lacks; answering completes the handshake.
        this.send(name, syncStep2(Y.encodeStateAsUpdate(f.doc, msg.stateVector)));
        return;
      case 'update':
        Y.applyUpdate(f.doc, msg.update, REMOTE);
        if (msg.step2) this.setSynced(f, true);
        return;
      case 'doc-closed':
        this.setSynced(f, false);
        if (FINAL.has(msg.code)) {
          f.refused = msg.reason;
          f.onStatus();
          return;
        }
        // Going away, rebuilt, damaged for now: ask again a little later.
        clearTimeout(f.retry);
        f.retry = setTimeout(() => this.greet(name), this.opts.minBackoffMs ?? 500);
        return;
      default:
        return;
    }
  }

  private setSynced(f: Followed, synced: boolean): void {
    if (f.synced === synced) return;
    f.synced = synced;
    f.onStatus();
  }
}
