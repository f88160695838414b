import type * as Y from 'yjs';
import type { OwnerOf } from '../core/ledger/holders.ts';
import type { StockView } from '../core/ledger/stock-view.ts';
import { UnavailableError } from './server-errors.ts';

/** A handle used after it was closed, or after the hub dropped its document: open a new one (retryable). */
export class HandleClosed extends UnavailableError {}

/** What a server-side write gets beside the document: the brand's live stock view and the event's till owners. */
export interface ChangeContext {
  view: StockView | undefined;
  ownerOf: OwnerOf;
}

/** Why the hub let go of a document a handle held: the close code a peer got for the same, and words. */
export type DropListener = (code: number, reason: string) => void;

/** What the hub lends a handle: its loaded document, its write path, and how to give the hold back. */
export interface HandleBinding {
  readonly doc: Y.Doc;
  readonly view: StockView | undefined;
  transact<T>(fn: (doc: Y.Doc, ctx: ChangeContext) => T): Promise<T>;
  release(): void;
}

/**
 * The server's own connection to one document (in the manner of Hocuspocus's `DirectConnection`), got from
 * `DocHub.open`. While held, the document stays loaded and `doc` is the hub's own copy: every accepted change,
 * a peer's or the server's, is in it at once. `transact` is a server-side write that takes the same path as a
 * peer's update (applied, appended to storage, relayed to the peers once durable) and resolves when it is
 * durable. It is not a peer: no permissions (it is the server), no awareness, no acknowledgements, and it is
 * not counted among connections.
 *
 * When the hub drops the document (shutdown, a write storage refused, an admin's rebuild) the handle is
 * closed for its holder and its drop listeners hear why, with the close code the document's peers got.
 */
export class DocHandle {
  private open = true;
  private readonly listeners = new Set<DropListener>();

  constructor(
    readonly name: string,
    private readonly binding: HandleBinding,
  ) {}

  get closed(): boolean {
    return !this.open;
  }

  /** The hub's copy of the document. Read it; write only through `transact`. */
  get doc(): Y.Doc {
    this.check();
    return this.binding.doc;
  }

  /** A brand document's stock view (kept up to date by the hub); undefined for other documents. */
  get view(): StockView | undefined {
    this.check();
    return this.binding.view;
  }

  /** A server-side write: applied, persisted, then relayed; resolves once durable. */
  async transact<T>(fn: (doc: Y.Doc, ctx: ChangeContext) => T): Promise<T> {
    this.check();
    return this.binding.transact(fn);
  }

  /** Called if the hub drops the document while this handle holds it; returns a function that unsubscribes. */
  onDropped(listener: DropListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Lets go of the document (it unloads once nothing holds it). Safe to call twice. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.listeners.clear();
    this.binding.release();
  }

  /** The hub dropped the document: the handle is closed and its holder told (DocHub only). */
  dropped(code: number, reason: string): void {
    if (!this.open) return;
    this.open = false;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const l of listeners) l(code, reason);
  }

  private check(): void {
    if (!this.open) throw new HandleClosed(`the handle on ${this.name} is closed`);
  }
}
