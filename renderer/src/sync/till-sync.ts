import * as Y from 'yjs';
import { brandDocName, setupDocName, tillDocName } from '../../../core/event/schema.ts';
import { decodeMessage, syncStep1, syncStep2, syncUpdate } from '../../../core/base/wire.ts';
import type { LocalStore } from '../store/local-store.ts';
import { Reconnect } from './reconnect.ts';

/**
 * Keeps the till's documents (the event's setup, its brands', and its own till document) in sync with the
 * server, one WebSocket per document, speaking the y-websocket
 * protocol with durable acknowledgements (`ack=1`).
 *
 * The till never waits for it: sales are committed to IndexedDB first, and only committed updates are sent.
 * What the server sends is applied through the store, so it is durable before it is shown. The server's
 * acknowledgement (its state vector once our update is on its disk) marks outbox rows as synced. After a
 * reconnect, sync step 2 in both directions sends whatever either side missed: nothing depends on a
 * message having arrived before. Our step 2 carries only our own unacknowledged changes (`&resend=own`):
 * the server relays another till's change to us before it is on its disk, and after a crash that change is
 * its writer's to send again, which the server would refuse from us (docs/sync-protocol.md). Only while the
 * server rebuilds a damaged document does it ask for everything we hold (message 101).
 */
/** An update that holds nothing (what an empty document encodes to). */
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc());

export type SyncState = 'connecting' | 'online' | 'offline';

export interface SyncStatus {
  state: SyncState;
  /** Wall time of the last message from the server. */
  lastSyncedAt: number | undefined;
  /** Why the server refused something (a write rule, a revoked token), until the next success. */
  problem: string | undefined;
  /** The server refused the till itself (revoked, expired or unknown token): it stopped syncing for good. */
  refused?: boolean;
}

export interface TillSyncOptions {
  serverUrl: string;
  token: string;
  eventId: string;
  brandIds: readonly string[];
  /** The WebSocket class (the browser's, or `ws` in Node tests). */
  WebSocket?: typeof WebSocket;
  /** Reconnect delays (sync/reconnect.ts; default 500 ms, then every 1 s for 15 s, then doubling to 15 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Close codes after which retrying cannot help (sync-server/close-codes.ts), with what the cashier is told.
 * A revoked or expired token is not retried: its server will refuse it forever, and a till that retried
 * would look merely offline while its sales never leave it.
 */
const FATAL = new Map<number, (reason: string) => string>([
  [4401, (r) => `The server refused this till (${r}): pair it again.`],
  [4403, (r) => `The server refused this till (${r}): pair it again.`],
  [4404, (r) => `The server refused this till (${r}): pair it again.`],
  [
    4410,
    () =>
      "This till's access was revoked (by the organiser, or because another device was paired as this till). It no longer syncs: sales not yet synced stay on this device only. Ask the organiser for a new pairing code.",
  ],
  [4419, () => "This till's token has expired. It no longer syncs: ask the organiser for a new pairing code."],
]);

export class TillSync {
  private readonly conns = new Map<string, Connection>();
  private readonly listeners = new Set<(s: SyncStatus) => void>();
  private status: SyncStatus = { state: 'connecting', lastSyncedAt: undefined, problem: undefined };
  private offChange: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly store: LocalStore,
    private readonly opts: TillSyncOptions,
  ) {}

  start(): void {
    const names = [setupDocName(this.opts.eventId), ...this.opts.brandIds.map((b) => brandDocName(this.opts.eventId, b))];
    // The till's own document (its shift events and voids), when the store knows which till it is.
    const tillId = this.store.profile?.eventId === this.opts.eventId ? this.store.profile.tillId : undefined;
    if (tillId) names.push(tillDocName(this.opts.eventId, tillId));
    for (const name of names) {
      const c = new Connection(name, this.store, this.opts, (patch) => this.update(patch));
      this.conns.set(name, c);
      c.connect();
    }
    // Local changes go out once they are durable.
    this.offChange = this.store.onChange((rows) => {
      for (const row of rows) if (row.local === 1) this.conns.get(row.doc)?.sendLocal(row.update);
    });
  }

  stop(): void {
    this.stopped = true;
    this.offChange?.();
    for (const c of this.conns.values()) c.close();
    this.update({ state: 'offline' });
  }

  get current(): SyncStatus {
    return this.status;
  }

  onStatus(cb: (s: SyncStatus) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private update(patch: Partial<SyncStatus>): void {
    // Once the till itself is refused, that message stays: nothing later (a message still queued) clears it.
    if (this.status.refused) patch = { ...patch, problem: this.status.problem, refused: true };
    const all = [...this.conns.values()];
    const state: SyncState = this.stopped ? 'offline' : all.every((c) => c.synced) ? 'online' : all.some((c) => c.everConnected) ? 'offline' : 'connecting';
    this.status = { ...this.status, ...patch, state };
    for (const l of this.listeners) l(this.status);
  }
}

class Connection {
  private ws: WebSocket | undefined;
  private readonly reconnect: Reconnect;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Incoming messages are handled one after another: each apply must be durable before the next. */
  private queue: Promise<unknown> = Promise.resolve();
  synced = false;
  everConnected = false;
  /**
   * Whether this connection has answered the server's sync step 1 with everything the server lacked. Until
   * then a new local update must not be sent on its own: it would reach the server ahead of older outbox
   * updates, skipping content the server does not have, and the server refuses such an update (close 4422).
   * It is in the step 2 (built from the outbox when the server's step 1 arrives) or sent right after it.
   */
  private greeted = false;
  /**
   * Local changes committed while the answer to the server's step 1 is being read from the outbox: sent right
   * after that answer, never before it (the server refuses a change that skips content it lacks).
   */
  private answering: Uint8Array[] | undefined;

  constructor(
    private readonly name: string,
    private readonly store: LocalStore,
    private readonly opts: TillSyncOptions,
    private readonly report: (patch: Partial<SyncStatus>) => void,
  ) {
    this.reconnect = new Reconnect({ ...(opts.minBackoffMs !== undefined ? { minMs: opts.minBackoffMs } : {}), ...(opts.maxBackoffMs !== undefined ? { maxMs: opts.maxBackoffMs } : {}) });
  }

  connect(): void {
    if (this.closed) return;
    const Ws = this.opts.WebSocket ?? WebSocket;
    const base = this.opts.serverUrl.replace(/^http/, 'ws').replace(/\/$/, '');
    const ws = new Ws(`${base}/sync/${this.name}?token=${encodeURIComponent(this.opts.token)}&ack=1&resend=own`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.everConnected = true;
      this.greeted = false;
      this.answering = undefined;
      this.reconnect.reset();
      // Ask for what we lack; the server's own step 1 will ask us for what it lacks.
      this.send(syncStep1(Y.encodeStateVector(this.doc())));
    };
    ws.onmessage = (ev: MessageEvent) => {
      const data = new Uint8Array(ev.data as ArrayBuffer);
      this.queue = this.queue.then(() => this.handle(data)).catch((err: unknown) => this.report({ problem: err instanceof Error ? err.message : String(err) }));
    };
    ws.onclose = (ev: CloseEvent) => {
      this.synced = false;
      this.greeted = false;
      this.answering = undefined;
      this.ws = undefined;
      const fatal = FATAL.get(ev.code);
      if (fatal) {
        this.closed = true;
        this.report({ problem: fatal(ev.reason || String(ev.code)), refused: true });
        return;
      }
      this.report({});
      if (this.closed) return;
      this.timer = setTimeout(() => this.connect(), this.reconnect.next());
    };
    ws.onerror = () => undefined; // onclose follows and schedules the retry
  }

  send(message: Uint8Array): void {
    // lib0 encoders always allocate plain ArrayBuffers, never shared ones.
    if (this.ws?.readyState === 1) this.ws.send(message as Uint8Array<ArrayBuffer>);
  }

  /** A committed local update: sent now once the server has been answered, else carried by the step 2. */
  sendLocal(update: Uint8Array): void {
    if (this.greeted) this.send(syncUpdate(update));
    else this.answering?.push(update);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'till closing');
  }

  private doc(): Y.Doc {
    const d = this.store.docs().get(this.name);
    if (d) return d;
    // A document the till has not stored yet: its empty state vector asks for everything.
    return new Y.Doc();
  }

  private async handle(data: Uint8Array): Promise<void> {
    const msg = decodeMessage(data);
    switch (msg.type) {
      case 'sync-step1': {
        // What the server lacks of our own changes; all of it is already durable here. A change committed
        // while the outbox is read may be in it or not: it is sent again right after (twice is harmless).
        const held: Uint8Array[] = [];
        this.answering = held;
        const own = (await this.store.outbox()).filter((r) => r.doc === this.name).map((r) => r.update);
        if (this.answering !== held) return; // the connection closed meanwhile
        this.send(syncStep2(own.length ? Y.diffUpdate(Y.mergeUpdates(own), msg.stateVector) : EMPTY_UPDATE));
        this.answering = undefined;
        this.greeted = true;
        for (const u of held) this.send(syncUpdate(u));
        return;
      }
      case 'resend-all':
        // The server is rebuilding this document from the tills' copies: everything it lacks.
        this.send(syncStep2(Y.encodeStateAsUpdate(this.doc(), msg.stateVector)));
        return;
      case 'update':
        await this.store.applyRemote(this.name, msg.update);
        if (msg.step2 && !this.synced) this.synced = true;
        this.report({ lastSyncedAt: Date.now(), problem: undefined });
        return;
      case 'ack':
        await this.store.acknowledge(this.name, msg.stateVector);
        this.report({ lastSyncedAt: Date.now() });
        return;
      case 'auth':
        if (msg.denied) this.report({ problem: `The server refused a change: ${msg.denied}` });
        return;
      default:
        return;
    }
  }
}
