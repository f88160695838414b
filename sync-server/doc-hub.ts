import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { ownerOfFor } from '../core/event/event.ts';
import type { OwnerOf } from '../core/ledger/holders.ts';
import { BrandDoc, decodeEntry, parseDocName, SetupDoc, setupDocName, type DocRef } from '../core/event/schema.ts';
import type { LedgerEntry } from '../core/ledger/ledger.ts';
import { StockView } from '../core/ledger/stock-view.ts';
import type { Claims } from './auth.ts';
import { CloseCode } from './close-codes.ts';
import type { Metrics } from './metrics.ts';
import { docAccess, type Access } from './permissions.ts';
import { ackMessage, awarenessMessage, decodeMessage, permissionDenied, resendAllMessage, syncStep1, syncStep2, syncUpdate } from './protocol.ts';
import { DocumentDamaged, type DamageReport } from './document-damage.ts';
import { DocHandle, type ChangeContext } from './doc-handle.ts';
import { MissingError, ServerClosing } from './server-errors.ts';
import { DocumentOutsideEventError, LeaseLostError, type Commit, type EventStore, type StoredDoc, type Stores } from './storage/store.ts';
import { EventHeldElsewhereError } from './storage/store-access.ts';
import { verifyDoc } from './storage/verify-store.ts';
import { deletesAnythingNew, guardUpdate } from './update-guard.ts';
import { checkAwareness, type AwarenessLimits } from './awareness-guard.ts';
import { DEFAULT_LIMITS, TokenBucket } from './limits.ts';

/**
 * The sync server's core: documents, who is connected to each, validation, persistence and relaying. It
 * knows nothing of sockets: a transport hands it a `Peer` (send bytes, close with a code) and the messages
 * that peer sent. The server's own code reads and writes documents through a `DocHandle` (`open`), never by
 * posing as a peer.
 *
 * Every accepted change — from a peer or from the server itself — is applied to the document and appended to
 * storage. A peer's change is relayed at once to the peers that can never send it back as their own (read-only
 * peers, and tills that resend only their own changes: `&resend=own`); the others, and every change the
 * server makes itself, get it once it is durable. The sender's acknowledgement always waits for the durable
 * write (docs/sync-protocol.md, "Relay at once, acknowledge when durable", says why this is safe). Appends are
 * group-committed, so waiting for durability costs one fsync per batch, not per update.
 */
export interface Peer {
  readonly id: number;
  readonly claims: Claims;
  /** The client asked for durable acknowledgements (`?ack=1`). */
  readonly wantsAck: boolean;
  /**
   * The client sends back only changes it made itself (`&resend=own`: the till), never another writer's that
   * it received: a change may reach it before it is durable here (see `persist`).
   */
  readonly resendsOwnOnly?: boolean;
  send(message: Uint8Array): void;
  close(code: number, reason: string): void;
}

export interface HubOptions {
  /** Each document is loaded, appended and compacted through its event's store (`stores.event`). */
  stores: Stores;
  metrics: Metrics;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Unload a document this long after its last peer left (default 30 s). */
  idleUnloadMs?: number;
  /** Fold a document's updates into a snapshot after this many (default 500). */
  compactEvery?: number;
  /** A relaying LAN hub's event: the admin (its bridge) opens its documents before they exist here. */
  relayedEventId?: string;
  /** Bounds on awareness per connection (awareness-guard.ts); defaults in limits.ts. */
  awareness?: AwarenessLimits;
  now?: () => number;
  /** How far ahead of the server's clock a record may be dated (default 24 h, update-guard.ts). */
  maxAheadMs?: number;
}

export const SERVER_ORIGIN = Symbol('server');

/** One document's part of `commitChanges`: a check that may refuse (throw), and the change itself. */
export interface DocChange {
  doc: string;
  check?: (doc: Y.Doc, ctx: ChangeContext) => void;
  apply: (doc: Y.Doc, ctx: ChangeContext) => void;
}

interface Member {
  access: Access;
  awarenessClients: Set<number>;
  /** Awareness messages this connection may still send (awareness-guard.ts). */
  awarenessBudget: TokenBucket;
}

/** One write in flight, in the order the updates were applied; acknowledgements wait on it (see `drainAcks`). */
interface PendingWrite {
  /** The clock ranges the update covers per client (`clockRanges`); none for a wait on what came before. */
  meta: { from: Map<number, number>; to: Map<number, number> } | undefined;
  /** Peers to acknowledge once this write and every one before it are durable. */
  acks: Peer[];
  done: boolean;
}

class LoadedDoc {
  readonly peers = new Map<Peer, Member>();
  /** Writes not yet acknowledged, oldest first. */
  readonly pending: PendingWrite[] = [];
  /**
   * The state vector of what is durable: everything loaded, plus every update whose write (and all before
   * it) resolved. Kept per client so an acknowledgement costs one encoding per batch, not one per update.
   */
  durableState = new Map<number, number>();
  /** An update did not follow on from the durable state of one of its clients: wait for an exact resync. */
  durableGap = false;
  /** Peers whose acknowledgement waits for that resync. */
  acksAfterResync: Peer[] = [];
  drainScheduled = false;
  /** The server's own handles on it (doc-handle.ts); each also counts in `holds`. */
  readonly handles = new Set<DocHandle>();
  readonly awareness: awarenessProtocol.Awareness;
  /** Resolves when everything applied so far is durable. */
  durable: Promise<void> = Promise.resolve();
  view: StockView | undefined;
  holds = 0;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  failed = false;
  /** Bytes of the stored snapshot, and of the updates appended since: see `compact`. */
  snapshotBytes = 0;
  logBytes = 0;
  /**
   * While `commitChanges` applies its changes: where this document's updates go instead of `appendUpdate`
   * (into that one commit), and the commit's outcome, which stands for their write.
   */
  carry: { updates: { doc: string; update: Uint8Array }[]; write: Promise<void> } | undefined;
  /** While a peer's guarded update is applied: the ledger entries the guard decoded from it. */
  guarded: readonly LedgerEntry[] | undefined;

  constructor(
    readonly name: string,
    readonly ref: DocRef,
    readonly doc: Y.Doc,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.awareness.setLocalState(null);
  }
}

export class DocHub {
  private readonly docs = new Map<string, LoadedDoc>();
  private readonly loading = new Map<string, Promise<LoadedDoc>>();
  private readonly unloading = new Map<string, Promise<void>>();
  private readonly owners = new Map<string, OwnerOf>();
  /** Events whose setup has been seen with a config: events are never deleted, so this only grows. */
  private readonly knownEvents = new Set<string>();
  private readonly log: NonNullable<HubOptions['log']>;
  private closed = false;
  private requestListener: ((eventId: string, brandId: string, requestId: string) => void) | undefined;
  private refundClaimListener: ((eventId: string, brandId: string, claimIds: string[]) => void) | undefined;
  private readonly idleListeners = new Set<(eventId: string) => void>();
  /** Documents whose stored data is damaged: refused (4503 / 503) until rebuilt. */
  private readonly damaged = new Map<string, string>();
  /**
   * Documents being rebuilt from the tills' copies: a till or hub of the event may resend entries other
   * writers made (its sync step 2 carries the whole document), which the owner rules would refuse.
   */
  private readonly recovering = new Set<string>();

  constructor(private readonly opts: HubOptions) {
    this.log = opts.log ?? (() => undefined);
  }

  /** Connects a peer to a document, or closes it with the reason it may not. */
  async join(peer: Peer, docName: string): Promise<boolean> {
    let ref: DocRef;
    try {
      ref = parseDocName(docName);
    } catch (err) {
      peer.close(CloseCode.UnknownDocument, err instanceof Error ? err.message : 'unknown document');
      return false;
    }
    const access = docAccess(peer.claims, ref);
    if (access === 'none') {
      peer.close(CloseCode.Forbidden, `this token may not open ${docName}`);
      return false;
    }
    // Opening never creates: a document outside an existing event would be made in memory (and its updates
    // stored) for any name a token may open. Events and their documents are created by the server's own
    // writes (`change`): creating an event, adding a brand, pairing a till.
    const bridging = peer.claims.role === 'admin' && ref.eventId === this.opts.relayedEventId;
    let loaded: LoadedDoc;
    try {
      const missing = bridging ? undefined : await this.missing(ref);
      if (missing) {
        peer.close(CloseCode.UnknownDocument, missing);
        return false;
      }
      if (this.closed) return false;
      loaded = await this.load(docName);
    } catch (err) {
      if (err instanceof DocumentDamaged) {
        peer.close(CloseCode.DocumentDamaged, `${docName} is damaged on the server; an admin must rebuild it`);
        return false;
      }
      // A cluster: the event's lease moved while this connection was being opened here; the next one reaches the owner.
      if (err instanceof EventHeldElsewhereError || err instanceof LeaseLostError) {
        peer.close(CloseCode.EventMoved, `${ref.eventId} is served by another server process now; reconnect`);
        return false;
      }
      throw err;
    }
    if (this.closed) return false;
    clearTimeout(loaded.idleTimer);
    const awareness = this.opts.awareness ?? DEFAULT_LIMITS;
    loaded.peers.set(peer, { access, awarenessClients: new Set(), awarenessBudget: new TokenBucket(awareness.awarenessPerSecond, awareness.awarenessPerSecond * 2) });
    // Standard server greeting: our state vector (the client answers with what we lack) …
    const stateVector = Y.encodeStateVector(loaded.doc);
    peer.send(syncStep1(stateVector));
    // A till answers step 1 with its own changes only; a rebuild needs everything it holds.
    if (peer.resendsOwnOnly && this.recovering.has(docName)) peer.send(resendAllMessage(stateVector));
    // … and the awareness states of the others.
    if (loaded.awareness.getStates().size > 0) {
      peer.send(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(loaded.awareness, [...loaded.awareness.getStates().keys()])));
    }
    return true;
  }

  /**
   * The server's own connection to a document (doc-handle.ts): it stays loaded until the handle is closed.
   * Refuses, as a join would, a name that is not a document (ValidationError), one outside an existing event
   * or naming a brand or till the event lacks (MissingError), a damaged one (DocumentDamaged), and any while
   * the hub is closing (ServerClosing). `mustExist: false` skips the existence check, for the server's writes
   * that create an event's documents.
   */
  async open(docName: string, opts: { mustExist?: boolean } = {}): Promise<DocHandle> {
    if (this.closed) throw new ServerClosing();
    const ref = parseDocName(docName);
    const missing = opts.mustExist === false ? undefined : await this.missing(ref);
    if (missing) throw new MissingError(missing);
    const loaded = await this.load(docName);
    if (this.closed) throw new ServerClosing();
    clearTimeout(loaded.idleTimer);
    loaded.holds++;
    const handle: DocHandle = new DocHandle(docName, {
      doc: loaded.doc,
      view: loaded.view,
      transact: (fn) => this.transactOn(loaded, fn),
      release: () => {
        loaded.handles.delete(handle);
        loaded.holds--;
        this.scheduleUnload(loaded);
      },
    });
    loaded.handles.add(handle);
    return handle;
  }

  /** Handles one message from a peer on a document it joined. */
  receive(peer: Peer, docName: string, data: Uint8Array): void {
    const loaded = this.docs.get(docName);
    const member = loaded?.peers.get(peer);
    if (!loaded || !member) return;
    let msg: ReturnType<typeof decodeMessage>;
    try {
      msg = decodeMessage(data);
    } catch (err) {
      peer.close(CloseCode.ProtocolError, err instanceof Error ? err.message : 'bad message');
      return;
    }
    // The payloads (a state vector, an awareness update) are untrusted too: decoding one can throw, and an
    // exception must close this peer, not escape into the socket's event handler and end the process.
    try {
      switch (msg.type) {
        case 'sync-step1': {
          // The answer is the document as it is now, sent once every write in flight now is durable: it may
          // hold the server's own changes (stock, grants, refund-rights moves) that no one would send again if
          // a crash lost them, and other tills' changes a peer that resends everything would send back as its
          // own (docs/sync-protocol.md, "Relay at once, acknowledge when durable"). Found by the chaos suite.
          const answer = syncStep2(Y.encodeStateAsUpdate(loaded.doc, msg.stateVector));
          if (loaded.pending.every((w) => w.done)) peer.send(answer);
          else
            loaded.durable.then(
              () => {
                if (!loaded.failed && loaded.peers.has(peer)) peer.send(answer);
              },
              () => undefined,
            );
          return;
        }
        case 'update':
          this.incomingUpdate(loaded, peer, member, msg.update);
          return;
        case 'awareness': {
          const limits = this.opts.awareness ?? DEFAULT_LIMITS;
          const verdict = member.awarenessBudget.take()
            ? checkAwareness(msg.update, peer.claims, member.awarenessClients, (id) => [...loaded.peers.values()].some((m) => m !== member && m.awarenessClients.has(id)), limits)
            : { ok: false as const, code: CloseCode.RateLimited, reason: `more than ${limits.awarenessPerSecond} awareness messages a second` };
          if (!verdict.ok) {
            this.opts.metrics.awarenessRefused++;
            peer.close(verdict.code, verdict.reason);
            return;
          }
          if ('drop' in verdict) return;
          // Remember which awareness clients this peer speaks for, to remove them when it leaves.
          awarenessProtocol.applyAwarenessUpdate(loaded.awareness, verdict.update, peer);
          for (const id of verdict.clientIds) member.awarenessClients.add(id);
          return;
        }
        case 'query-awareness':
          peer.send(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(loaded.awareness, [...loaded.awareness.getStates().keys()])));
          return;
        case 'auth':
        case 'ack':
        case 'resend-all':
          return;
      }
    } catch (err) {
      peer.close(CloseCode.ProtocolError, (err instanceof Error ? err.message : 'bad message').slice(0, 120));
    }
  }

  leave(peer: Peer, docName: string): void {
    const loaded = this.docs.get(docName);
    const member = loaded?.peers.get(peer);
    if (!loaded || !member) return;
    loaded.peers.delete(peer);
    awarenessProtocol.removeAwarenessStates(loaded.awareness, [...member.awarenessClients], null);
    this.scheduleUnload(loaded);
  }

  /**
   * A change the server makes itself (stock received, a rights grant, an online order): applied, persisted
   * and relayed like any other. Resolves once it is durable.
   */
  async change<T>(docName: string, fn: (doc: Y.Doc, ctx: ChangeContext) => T): Promise<T> {
    const loaded = await this.load(docName);
    loaded.holds++;
    try {
      return await this.transactOn(loaded, fn);
    } finally {
      loaded.holds--;
      this.scheduleUnload(loaded);
    }
  }

  /**
   * Server-side changes of several documents of one event, stored together with `records` in ONE commit of
   * the event's store: an online order (its sales' updates, the order record, its Idempotency-Key's answer,
   * the receipt counter). Every `check` runs first (a refusal throws before anything is applied); then each
   * `apply` runs in its own transaction, and the commit is called in the same synchronous step, so the
   * updates get their sequence numbers before any compaction can encode a snapshot that holds them (store.ts
   * compactionMark). Their only way to the store is this commit: `persist` hands them to it instead of
   * appending them, so they are never written twice and the update counts stay right. If the commit fails,
   * nothing of it is stored and each changed document is dropped from memory and reloaded from the store
   * (as after any failed write): memory never keeps what the store does not hold. Resolves once durable.
   */
  async commitChanges(eventId: string, changes: DocChange[], records: Omit<Commit, 'updates'>): Promise<void> {
    const { durable } = await this.applyChanges(eventId, changes, records);
    await durable;
  }

  /**
   * `commitChanges` in two steps: resolves once the changes are checked and applied in memory and the commit
   * is handed to `commit` (by default the event store's own; the order desk passes its group committer), with
   * `durable`, which settles with that commit and the documents' writes. Between the two, the next caller of
   * the event's serial section may plan on these changes; if the commit fails, the documents are dropped and
   * reloaded from the store (`persistFailed`), so memory never keeps what the store refused.
   */
  async applyChanges(
    eventId: string,
    changes: DocChange[],
    records: Omit<Commit, 'updates'>,
    commit: (c: Commit) => Promise<void> = (c) => this.opts.stores.event(eventId).commit(c),
  ): Promise<{ durable: Promise<void> }> {
    const loadedDocs: LoadedDoc[] = [];
    let handedOver = false;
    try {
      for (const c of changes) {
        if (parseDocName(c.doc).eventId !== eventId) throw new DocumentOutsideEventError(eventId, c.doc);
        const loaded = await this.load(c.doc);
        loaded.holds++;
        loadedDocs.push(loaded);
      }
      for (const l of loadedDocs) if (l.failed) throw new Error(`could not persist ${l.name}`);
      const ctx = (l: LoadedDoc): ChangeContext => ({ view: l.view, ownerOf: this.ownerOf(eventId) });
      // From here to the commit's call: no await, so nothing else changes these documents in between.
      changes.forEach((c, i) => c.check?.(loadedDocs[i]!.doc, ctx(loadedDocs[i]!)));
      const updates: { doc: string; update: Uint8Array }[] = [];
      let settle!: { resolve: () => void; reject: (err: unknown) => void };
      const write = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      // Awaited by the documents' pending writes when there are updates; never left unhandled when there are none.
      write.catch(() => undefined);
      let committed: Promise<void>;
      try {
        changes.forEach((c, i) => {
          const l = loadedDocs[i]!;
          l.carry = { updates, write };
          try {
            l.doc.transact(() => c.apply(l.doc, ctx(l)), SERVER_ORIGIN);
          } finally {
            l.carry = undefined;
          }
        });
        committed = commit({ ...records, updates });
      } catch (err) {
        settle.reject(err);
        throw err;
      }
      committed.then(settle.resolve, settle.reject);
      // Resolved with the commit; the acknowledgements and relays of `persist` follow from the same promise.
      const durable = committed
        .then(() => Promise.all(loadedDocs.map((l) => l.durable)))
        .then(() => undefined)
        .finally(() => this.release(loadedDocs));
      handedOver = true;
      return { durable };
    } finally {
      if (!handedOver) this.release(loadedDocs);
    }
  }

  private release(loadedDocs: LoadedDoc[]): void {
    for (const l of loadedDocs) {
      l.holds--;
      this.scheduleUnload(l);
    }
  }

  /** Reads a document (loading it if needed) without keeping it loaded. */
  async read<T>(docName: string, fn: (doc: Y.Doc, view: StockView | undefined) => T): Promise<T> {
    const loaded = await this.load(docName);
    try {
      return fn(loaded.doc, loaded.view);
    } finally {
      this.scheduleUnload(loaded);
    }
  }

  /** Called with each rights request key seen in a brand document (new ones, and all of them on load). */
  onRightsRequest(listener: (eventId: string, brandId: string, requestId: string) => void): void {
    this.requestListener = listener;
  }

  /** Called with the refund-rights records added to a brand document, and with all its claims on load. */
  onRefundClaims(listener: (eventId: string, brandId: string, recordIds: string[]) => void): void {
    this.refundClaimListener = listener;
  }

  /** Holder ownership for an event, from its setup document's tills. */
  ownerOf(eventId: string): OwnerOf {
    return this.owners.get(eventId) ?? ownerOfFor([]);
  }

  /** Marks documents damaged (start-up verification): they are refused until rebuilt. */
  markDamaged(reports: readonly DamageReport[]): void {
    for (const r of reports) if (r.doc !== 'store') this.damaged.set(r.doc, r.what);
    this.opts.metrics.docsDamaged = this.damaged.size;
  }

  damage(): DamageReport[] {
    return [...this.damaged].map(([doc, what]) => ({ doc, what }));
  }

  /**
   * Rebuild a damaged (or any) document from the tills' copies: its stored data is deleted and, until
   * `finishRecovery`, the event's tills and hubs may resend entries other writers made. Connected peers are
   * closed so that they reconnect and send everything they hold (sync step 2).
   */
  async startRecovery(docName: string): Promise<void> {
    parseDocName(docName);
    const loaded = this.docs.get(docName);
    if (loaded) {
      this.dropMembers(loaded, CloseCode.GoingAway, 'the document is being rebuilt; reconnect');
      await this.unload(loaded);
    }
    await this.unloading.get(docName);
    await this.storeOf(docName).deleteDoc(docName);
    this.damaged.delete(docName);
    this.opts.metrics.docsDamaged = this.damaged.size;
    this.recovering.add(docName);
    this.log('warn', 'rebuilding a document from the tills’ copies', { doc: docName });
  }

  /** Ends a rebuild: from now on every update is checked by the usual rules again. */
  finishRecovery(docName: string): boolean {
    return this.recovering.delete(docName);
  }

  recoveringDocs(): string[] {
    return [...this.recovering];
  }

  loadedCount(): number {
    return this.docs.size;
  }

  /** Stops: waits for pending writes, compacts, and closes every peer with "going away". */
  /**
   * This process no longer owns the event (a cluster: cluster/event-ownership.ts). Its documents leave memory
   * at once, neither compacted nor written again (another process owns them now), and their peers and handles
   * are closed with `code` (4409): they reconnect and reach the owner, resending what was not acknowledged.
   */
  dropEvent(eventId: string, code: number, reason: string): void {
    for (const loaded of [...this.docs.values()]) {
      if (loaded.ref.eventId !== eventId) continue;
      clearTimeout(loaded.idleTimer);
      // As after a failed write: a reload (this process takes the event back) waits for writes in flight.
      this.discard(loaded, code, reason);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const loaded of this.docs.values()) {
      this.dropMembers(loaded, CloseCode.GoingAway, 'server shutting down');
      await this.unload(loaded);
    }
  }

  // ---- internals ------------------------------------------------------------------------------------

  /** The store of the document's event: the only way documents reach storage. */
  private storeOf(docName: string): EventStore {
    return this.opts.stores.event(parseDocName(docName).eventId);
  }

  /** A server-side write on a loaded document: the one path for `change` and `DocHandle.transact`. */
  private async transactOn<T>(loaded: LoadedDoc, fn: (doc: Y.Doc, ctx: ChangeContext) => T): Promise<T> {
    if (loaded.failed) throw new Error(`could not persist ${loaded.name}`);
    const result = loaded.doc.transact(() => fn(loaded.doc, { view: loaded.view, ownerOf: this.ownerOf(loaded.ref.eventId) }), SERVER_ORIGIN);
    await loaded.durable;
    if (loaded.failed) throw new Error(`could not persist ${loaded.name}`);
    return result;
  }

  /** The hub lets go of a document: its peers are closed with `code`, its handles told the same. */
  private dropMembers(loaded: LoadedDoc, code: number, reason: string): void {
    for (const p of loaded.peers.keys()) p.close(code, reason);
    loaded.peers.clear();
    for (const h of [...loaded.handles]) h.dropped(code, reason);
    loaded.handles.clear();
  }

  /** Why a document is not part of an existing event, or undefined if it is (see `join`). */
  private async missing(ref: DocRef): Promise<string | undefined> {
    const setupName = setupDocName(ref.eventId);
    // Look at the disk before loading: loading the setup of an event that does not exist would itself make
    // an empty document in memory.
    if (!this.docs.has(setupName) && !this.knownEvents.has(ref.eventId)) {
      const stored = await this.storeOf(setupName).loadDoc(setupName);
      if (!stored.snapshot && stored.updates.length === 0) return `there is no event "${ref.eventId}"`;
    }
    return this.read(setupName, (doc) => {
      const setup = new SetupDoc(doc);
      if (!setup.config()) return `there is no event "${ref.eventId}"`;
      this.knownEvents.add(ref.eventId);
      if (ref.kind === 'brand' && !doc.getMap('brands').has(ref.brandId)) return `event "${ref.eventId}" has no brand "${ref.brandId}"`;
      if (ref.kind === 'till' && !doc.getMap('tills').has(ref.tillId)) return `event "${ref.eventId}" has no till "${ref.tillId}"`;
      return undefined;
    });
  }

  private incomingUpdate(loaded: LoadedDoc, peer: Peer, member: Member, update: Uint8Array): void {
    if (member.access !== 'write') {
      if (changesNothing(loaded.doc, update)) return;
      this.reject(loaded, peer, 'this connection is read-only', CloseCode.ReadOnly);
      return;
    }
    if (this.recovering.has(loaded.name) && (peer.claims.role === 'till' || peer.claims.role === 'hub') && peer.claims.eventId === loaded.ref.eventId) {
      // Rebuilding from the tills' copies (an admin's decision): entries of other writers are accepted, but
      // still nothing may be deleted.
      if (deletesAnythingNew(loaded.doc, Y.decodeUpdate(update).ds)) {
        this.reject(loaded, peer, 'an update may not delete anything, even while the document is rebuilt', CloseCode.UpdateRejected);
        return;
      }
      this.applyAccepted(loaded, peer, update);
      return;
    }
    const result = guardUpdate(update, {
      doc: loaded.doc,
      ref: loaded.ref,
      claims: peer.claims,
      ...(loaded.view ? { view: loaded.view } : {}),
      ownerOf: this.ownerOf(loaded.ref.eventId),
      // A brand document's sales and entries are judged against the event's setup (held loaded with it).
      ...(loaded.ref.kind === 'brand' ? { setup: this.docs.get(setupDocName(loaded.ref.eventId))?.doc } : {}),
      now: (this.opts.now ?? Date.now)(),
      ...(this.opts.maxAheadMs !== undefined ? { maxAheadMs: this.opts.maxAheadMs } : {}),
    });
    if (!result.ok) {
      this.reject(loaded, peer, result.reason, CloseCode.UpdateRejected);
      return;
    }
    loaded.guarded = result.entries;
    try {
      this.applyAccepted(loaded, peer, update);
    } finally {
      loaded.guarded = undefined;
    }
  }

  private applyAccepted(loaded: LoadedDoc, peer: Peer, update: Uint8Array): void {
    this.opts.metrics.updatesIn++;
    const before = loaded.pending.length;
    Y.applyUpdate(loaded.doc, update, peer);
    if (!peer.wantsAck) return;
    // The write this update caused is the last one queued; acknowledge once it (and all before it) is durable.
    // An update that changed nothing (a resend after reconnect) is acknowledged too, once every write before
    // it is durable: the client learns we hold it.
    if (loaded.pending.length > before) loaded.pending[loaded.pending.length - 1]!.acks.push(peer);
    else {
      loaded.pending.push({ meta: undefined, acks: [peer], done: true });
      this.scheduleDrain(loaded);
    }
  }

  private reject(loaded: LoadedDoc, peer: Peer, reason: string, code: number): void {
    this.opts.metrics.updatesRejected++;
    this.log('warn', 'update rejected', { doc: loaded.name, role: peer.claims.role, device: peer.claims.deviceId, reason });
    void this.opts.stores
      .event(loaded.ref.eventId)
      .put('rejections', `${String((this.opts.now ?? Date.now)()).padStart(15, '0')}!${peer.id}`, {
        at: (this.opts.now ?? Date.now)(),
        doc: loaded.name,
        role: peer.claims.role,
        tillId: peer.claims.tillId,
        deviceId: peer.claims.deviceId,
        reason,
      })
      .catch((err: unknown) => this.log('error', 'could not record a rejection', { err: String(err) }));
    peer.send(permissionDenied(reason));
    peer.close(code, reason.slice(0, 120));
  }

  private load(name: string): Promise<LoadedDoc> {
    const existing = this.docs.get(name);
    if (existing) return Promise.resolve(existing);
    const damaged = this.damaged.get(name);
    if (damaged !== undefined) return Promise.reject(new DocumentDamaged(name, damaged));
    let pending = this.loading.get(name);
    if (!pending) {
      // A document being unloaded is still being compacted to disk: load it again only after that.
      const unloading = this.unloading.get(name) ?? Promise.resolve();
      pending = unloading.then(() => this.loadFresh(name)).finally(() => this.loading.delete(name));
      this.loading.set(name, pending);
    }
    return pending;
  }

  private async loadFresh(name: string): Promise<LoadedDoc> {
    const ref = parseDocName(name);
    // A brand document's rights depend on the event's tills: keep the setup document loaded with it.
    const setup = ref.kind === 'brand' ? await this.load(setupDocName(ref.eventId)) : undefined;
    if (setup) setup.holds++;
    let stored: StoredDoc;
    const doc = new Y.Doc();
    try {
      stored = await this.storeOf(name).loadDoc(name);
      if (stored.snapshot) Y.applyUpdateV2(doc, stored.snapshot);
      // Update by update in one transaction: faster than merging them first (docs/benchmarks.md).
      if (stored.updates.length) doc.transact(() => stored.updates.forEach((u) => Y.applyUpdate(doc, u)));
      if (doc.store.pendingStructs || doc.store.pendingDs) throw new Error('stored updates depend on content that is no longer stored');
    } catch (err) {
      if (setup) {
        setup.holds--;
        this.scheduleUnload(setup);
      }
      doc.destroy();
      // Damage found after start (a table file going bad under a running server): refuse the document from
      // now on instead of failing every open with 1011; verifyDoc says what is lost.
      const what = (await verifyDoc(this.storeOf(name), name).catch(() => undefined)) ?? `it cannot be loaded (${err instanceof Error ? err.message : String(err)})`;
      this.damaged.set(name, what);
      this.opts.metrics.docsDamaged = this.damaged.size;
      this.log('error', `stored data damaged: ${name}: ${what}`);
      throw new DocumentDamaged(name, what);
    }
    const loaded = new LoadedDoc(name, ref, doc);
    loaded.snapshotBytes = stored.snapshot?.length ?? 0;
    loaded.logBytes = stored.updates.reduce((a, u) => a + u.length, 0);
    if (ref.kind === 'brand') {
      const brand = new BrandDoc(doc);
      const view = new StockView();
      const decoded = brand.ledger();
      for (const e of decoded.items) view.add(e);
      if (decoded.invalid.length) this.log('warn', 'stored ledger has invalid entries', { doc: name, invalid: decoded.invalid.length });
      // Entries of a peer's update were decoded by the guard (`guarded`): taken from there, not decoded again.
      const ledger = doc.getMap('ledger');
      ledger.observe((ev) => {
        for (const [key, change] of ev.changes.keys) {
          if (change.action !== 'add') continue;
          const entry = loaded.guarded?.find((e) => e.id === key) ?? decodeStoredEntry(key, ledger.get(key));
          if (entry) view.add(entry);
        }
      });
      loaded.view = view;
      // Rights requests from tills: the server, holder of the reserve, answers them (server.ts wires this).
      const requests = doc.getMap('requests');
      const announce = (keys: Iterable<string>) => {
        for (const key of keys) this.requestListener?.(ref.eventId, ref.brandId, key);
      };
      requests.observe((ev) => announce([...ev.changes.keys].filter(([, c]) => c.action === 'add').map(([k]) => k)));
      // Ones that arrived while the server was down or the document unloaded are looked at once on load.
      queueMicrotask(() => announce(requests.keys()));
      // Refund-rights claims: the server answers them from the rights it holds (sync-server/refund-claims.ts).
      const refundRights = doc.getMap('refundRights');
      // New moves too: a claim that came before the seller released the sale is answered when the release lands.
      refundRights.observe((ev) => {
        const added = [...ev.changes.keys].filter(([, c]) => c.action === 'add').map(([k]) => k);
        if (added.length) this.refundClaimListener?.(ref.eventId, ref.brandId, added);
      });
      queueMicrotask(() => {
        const claims = [...refundRights.keys()].filter((k) => k.startsWith('rc_'));
        if (claims.length) this.refundClaimListener?.(ref.eventId, ref.brandId, claims);
      });
    } else if (ref.kind === 'setup') {
      const setup = new SetupDoc(doc);
      const refresh = () => this.owners.set(ref.eventId, ownerOfFor(setup.tills().items));
      refresh();
      doc.getMap('tills').observe(refresh);
    }
    loaded.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      const changed = [...added, ...updated, ...removed];
      const msg = awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(loaded.awareness, changed));
      for (const p of loaded.peers.keys()) p.send(msg);
    });
    loaded.durableState = Y.decodeStateVector(Y.encodeStateVector(doc));
    doc.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => this.persist(loaded, update, origin, tr));
    this.docs.set(name, loaded);
    this.opts.metrics.docsLoaded = this.docs.size;
    return loaded;
  }

  private persist(loaded: LoadedDoc, update: Uint8Array, origin: unknown, tr: Y.Transaction): void {
    const started = performance.now();
    const carry = loaded.carry;
    carry?.updates.push({ doc: loaded.name, update });
    const write = carry ? carry.write : this.storeOf(loaded.name).appendUpdate(loaded.name, update);
    loaded.logBytes += update.length;
    loaded.durable = loaded.durable.then(
      () => write,
      () => write,
    );
    const pending: PendingWrite = { meta: clockRanges(tr), acks: [], done: false };
    loaded.pending.push(pending);
    const msg = syncUpdate(update);
    // A peer's change goes at once to those who cannot send it back as theirs; the server's own changes wait:
    // no one else holds them to send them again if a crash lost them before they were on disk.
    const later: Peer[] = [];
    for (const [p, member] of loaded.peers) {
      if (p === origin) continue;
      if (origin !== SERVER_ORIGIN && (member.access !== 'write' || p.resendsOwnOnly)) {
        p.send(msg);
        this.opts.metrics.updatesOut++;
      } else later.push(p);
    }
    write.then(
      () => {
        this.opts.metrics.observePersist(performance.now() - started);
        pending.done = true;
        this.scheduleDrain(loaded);
        for (const p of later) {
          if (!loaded.peers.has(p)) continue;
          p.send(msg);
          this.opts.metrics.updatesOut++;
        }
        // Compact once there are enough updates AND they weigh as much as the snapshot: re-encoding a large
        // document every 500 small updates made compaction quadratic (46 % of CPU under load, docs/benchmarks.md).
        const count = this.storeOf(loaded.name).updateCount(loaded.name) ?? 0;
        if (count >= (this.opts.compactEvery ?? 500) && loaded.logBytes >= loaded.snapshotBytes) void this.compact(loaded);
      },
      (err: unknown) => this.persistFailed(loaded, err),
    );
  }

  /** One acknowledgement pass per batch of resolved writes (they resolve together, in one microtask run). */
  private scheduleDrain(loaded: LoadedDoc): void {
    if (loaded.drainScheduled) return;
    loaded.drainScheduled = true;
    queueMicrotask(() => {
      loaded.drainScheduled = false;
      this.drainAcks(loaded);
    });
  }

  /**
   * Folds the writes that are durable, in the order they were applied, into the durable state vector, and
   * acknowledges their senders with it: one encoding for the whole batch. A state vector read from the
   * document itself would also claim updates whose writes are still in flight; this one never does.
   */
  private drainAcks(loaded: LoadedDoc): void {
    if (loaded.failed) return;
    const ready: Peer[] = [];
    while (loaded.pending[0]?.done) {
      const w = loaded.pending.shift()!;
      if (w.meta) {
        for (const [client, to] of w.meta.to) {
          const have = loaded.durableState.get(client) ?? 0;
          // A struct run that does not start where the durable state ends (it waited for a missing one) cannot
          // be folded in by ranges: the exact state is read once nothing is in flight.
          if ((w.meta.from.get(client) ?? 0) > have) loaded.durableGap = true;
          else if (to > have) loaded.durableState.set(client, to);
        }
      }
      (loaded.durableGap ? loaded.acksAfterResync : ready).push(...w.acks);
    }
    if (loaded.pending.length === 0 && (loaded.durableGap || loaded.acksAfterResync.length)) {
      // Nothing in flight: everything the document holds is durable, so its own state vector is exact.
      loaded.durableState = Y.decodeStateVector(Y.encodeStateVector(loaded.doc));
      loaded.durableGap = false;
      ready.push(...loaded.acksAfterResync);
      loaded.acksAfterResync = [];
    }
    if (ready.length === 0) return;
    const ack = ackMessage(encodeStateVector(loaded.durableState));
    for (const p of new Set(ready)) if (loaded.peers.has(p)) p.send(ack);
  }

  /**
   * Storage refused a write: memory now holds what the disk does not. Drop the document and disconnect its
   * peers; they reconnect, the document is reloaded from disk, and they resend what was never acknowledged.
   */
  private persistFailed(loaded: LoadedDoc, err: unknown): void {
    if (loaded.failed) return;
    loaded.failed = true;
    this.opts.metrics.persistFailures++;
    this.log('error', 'could not persist an update; dropping the document from memory', { doc: loaded.name, err: String(err) });
    this.discard(loaded, CloseCode.InternalError, 'the server could not store a change; reconnect');
  }

  /**
   * Takes a document out of memory without writing it again, closing its peers with `code`. Writes of this
   * copy still in flight may land after a reload has read the store: that copy would lack them and its next
   * compaction would delete them. A reload waits until they have settled (see `load`).
   */
  private discard(loaded: LoadedDoc, code: number, reason: string): void {
    loaded.failed = true;
    this.dropMembers(loaded, code, reason);
    this.docs.delete(loaded.name);
    const settled = Promise.all([loaded.durable.catch(() => undefined), this.compacting.get(loaded.name)]).then(() => undefined);
    this.unloading.set(loaded.name, settled);
    void settled.then(() => {
      if (this.unloading.get(loaded.name) === settled) this.unloading.delete(loaded.name);
    });
    loaded.awareness.destroy();
    loaded.doc.destroy();
    this.opts.metrics.docsLoaded = this.docs.size;
  }

  /** The compaction running per document: a second one (e.g. on unload) waits for it, then runs. */
  private readonly compacting = new Map<string, Promise<void>>();

  private compact(loaded: LoadedDoc): Promise<void> {
    const running = this.compacting.get(loaded.name);
    if (running) return running;
    const done = this.compactNow(loaded).finally(() => {
      if (this.compacting.get(loaded.name) === done) this.compacting.delete(loaded.name);
    });
    this.compacting.set(loaded.name, done);
    return done;
  }

  private async compactNow(loaded: LoadedDoc): Promise<void> {
    if (loaded.failed) return;
    try {
      // The mark and the snapshot are taken in one synchronous step: the snapshot holds exactly the updates
      // appended below the mark, and storage deletes only those (docs/operations.md, "Damage and recovery").
      const mark = this.storeOf(loaded.name).compactionMark(loaded.name);
      const snapshot = Y.encodeStateAsUpdateV2(loaded.doc);
      const logBytesBefore = loaded.logBytes;
      await this.storeOf(loaded.name).compact(loaded.name, snapshot, mark);
      loaded.snapshotBytes = snapshot.length;
      // Only what was folded in leaves the log; updates appended while compacting are still there.
      loaded.logBytes = Math.max(0, loaded.logBytes - logBytesBefore);
    } catch (err) {
      this.log('warn', 'compaction failed; the updates stay as they are', { doc: loaded.name, err: String(err) });
    }
  }

  /**
   * Called when the last document of an event was unloaded for being idle (none loaded or loading after it):
   * the server forgets the event's memory (event-hosts.ts) and, in a cluster, gives its lease back.
   */
  onEventIdle(fn: (eventId: string) => void): () => void {
    this.idleListeners.add(fn);
    return () => this.idleListeners.delete(fn);
  }

  /** Whether a document of the event is loaded or being loaded. */
  isEventLoaded(eventId: string): boolean {
    const of = (name: string) => parseDocName(name).eventId === eventId;
    return [...this.docs.keys()].some(of) || [...this.loading.keys()].some(of);
  }

  private eventIdle(eventId: string): void {
    if (this.closed || this.isEventLoaded(eventId)) return;
    for (const fn of this.idleListeners) {
      try {
        fn(eventId);
      } catch (err) {
        this.log('error', 'an idle-event listener failed', { eventId, err: String(err) });
      }
    }
  }

  private scheduleUnload(loaded: LoadedDoc): void {
    if (loaded.peers.size > 0 || loaded.holds > 0 || this.closed) return;
    clearTimeout(loaded.idleTimer);
    loaded.idleTimer = setTimeout(() => {
      if (loaded.peers.size === 0 && loaded.holds === 0) void this.unload(loaded).then(() => this.eventIdle(loaded.ref.eventId));
    }, this.opts.idleUnloadMs ?? 30_000);
    loaded.idleTimer.unref?.();
  }

  private unload(loaded: LoadedDoc): Promise<void> {
    clearTimeout(loaded.idleTimer);
    if (this.docs.get(loaded.name) !== loaded) return this.unloading.get(loaded.name) ?? Promise.resolve();
    this.docs.delete(loaded.name);
    const done = this.finishUnload(loaded).finally(() => {
      if (this.unloading.get(loaded.name) === done) this.unloading.delete(loaded.name);
    });
    this.unloading.set(loaded.name, done);
    return done;
  }

  private async finishUnload(loaded: LoadedDoc): Promise<void> {
    await loaded.durable.catch(() => undefined);
    // A compaction under way covers only what was appended before it began: let it finish, then fold in the rest.
    await this.compacting.get(loaded.name);
    if (!loaded.failed && (this.storeOf(loaded.name).updateCount(loaded.name) ?? 0) > 0) await this.compact(loaded);
    loaded.awareness.destroy();
    loaded.doc.destroy();
    this.opts.metrics.docsLoaded = this.docs.size;
    if (loaded.ref.kind === 'brand') {
      const setup = this.docs.get(setupDocName(loaded.ref.eventId));
      if (setup) {
        setup.holds--;
        this.scheduleUnload(setup);
      }
    }
  }
}

/**
 * An update that changes nothing here: what a read-only client's sync step 2 is. It may re-send deletions
 * the document has already (a step 2 carries the client's whole delete set), never anything new.
 */
function encodeStateVector(sv: Map<number, number>): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, sv.size);
  // Highest client first, as Yjs writes it (any order decodes the same).
  for (const [client, clock] of [...sv].sort((a, b) => b[0] - a[0])) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
  }
  return encoding.toUint8Array(e);
}

/**
 * The clock ranges a transaction added, per client: what `Y.parseUpdateMeta` would read back from its update,
 * without decoding the update a third time (the guard and Yjs each decoded it once). Yjs integrates a
 * client's structs only where they follow on, so they span exactly before → after state.
 */
function clockRanges(tr: Y.Transaction): { from: Map<number, number>; to: Map<number, number> } {
  const from = new Map<number, number>();
  const to = new Map<number, number>();
  for (const [client, after] of tr.afterState) {
    const before = tr.beforeState.get(client) ?? 0;
    if (after === before) continue;
    from.set(client, before);
    to.set(client, after);
  }
  return { from, to };
}

/** A stored or relayed ledger value as an entry; an invalid one is left out of the view (as on load). */
function decodeStoredEntry(key: string, raw: unknown): LedgerEntry | undefined {
  try {
    return decodeEntry(key, raw);
  } catch {
    return undefined;
  }
}

function changesNothing(doc: Y.Doc, update: Uint8Array): boolean {
  try {
    const d = Y.decodeUpdate(update);
    return d.structs.every((s) => s.id.clock + s.length <= Y.getState(doc.store, s.id.client)) && !deletesAnythingNew(doc, d.ds);
  } catch {
    return false;
  }
}
