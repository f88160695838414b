import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { MessageType, SyncStep, syncStep1, syncStep2, syncUpdate } from '../../sync-server/protocol.ts';

/**
 * A lean y-websocket client for load generation: it speaks the sync handshake like a WebsocketProvider
 * (sends its step 1, answers the server's step 1 with a step 2), applies the server's initial state to its
 * document when it has one, and then reports each relayed update by its first struct's id (client, clock)
 * WITHOUT applying it (unless asked to), so that thousands of them cost the load generator little. Durable acks (type 100,
 * our server with `?ack=1`) are reported as state vectors.
 */
export interface ClientOptions {
  /** Base WebSocket URL, e.g. ws://127.0.0.1:1234/sync; the document name is appended. */
  wsBase: string;
  docName: string;
  params?: Record<string, string>;
  /** Gets the server's initial state applied; without it a throw-away document is used. */
  doc?: Y.Doc;
  /** Apply relayed updates to the document too, as a real reader does (the soak's organiser). */
  apply?: boolean;
  onUpdate?: (client: number, clock: number, at: number) => void;
  onAck?: (stateVector: Map<number, number>, at: number) => void;
  onClose?: (code: number, reason: string) => void;
}

export class SyncClient {
  readonly ws: WebSocket;
  readonly doc: Y.Doc;
  synced = false;
  closed: { code: number; reason: string } | undefined;
  private readonly opts: ClientOptions;
  private readonly ready: Promise<void>;
  private stateWaiter: ((state: Uint8Array) => void) | undefined;

  constructor(opts: ClientOptions) {
    this.opts = opts;
    this.doc = opts.doc ?? new Y.Doc();
    const q = new URLSearchParams(opts.params ?? {}).toString();
    this.ws = new WebSocket(`${opts.wsBase}/${opts.docName}${q ? `?${q}` : ''}`, { perMessageDeflate: false });
    this.ws.binaryType = 'nodebuffer';
    this.ready = new Promise((resolve, reject) => {
      this.ws.on('open', () => this.ws.send(syncStep1(Y.encodeStateVector(this.doc))));
      this.ws.on('message', (data: Buffer) => {
        const at = performance.now();
        if (this.handle(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at) && !this.synced) {
          this.synced = true;
          resolve();
        }
      });
      this.ws.on('error', (err) => reject(err));
      this.ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        opts.onClose?.(code, this.closed.reason);
        reject(new Error(`${opts.docName}: closed ${code} ${this.closed.reason}`));
      });
    });
    this.ready.catch(() => undefined);
  }

  /** Resolves once the server's state (sync step 2) has arrived. */
  whenSynced(timeoutMs = 30_000): Promise<void> {
    return Promise.race([this.ready, new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`${this.opts.docName}: not synced in ${timeoutMs} ms`)), timeoutMs).unref())]);
  }

  send(message: Uint8Array): void {
    this.ws.send(message);
  }

  sendUpdate(update: Uint8Array): void {
    this.ws.send(syncUpdate(update));
  }

  /** Asks for the server's whole state (sync step 1 with an empty state vector) and resolves with it. */
  requestState(): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.stateWaiter = resolve;
      this.ws.send(syncStep1(Y.encodeStateVector(new Y.Doc())));
    });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  /** Handles one message; true when it was the server's sync step 2 (the initial state). */
  private handle(data: Uint8Array, at: number): boolean {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    if (type === MessageType.Sync) {
      const step = decoding.readVarUint(d);
      const payload = decoding.readVarUint8Array(d);
      if (step === SyncStep.Step1) {
        this.ws.send(syncStep2(Y.encodeStateAsUpdate(this.doc, payload)));
        return false;
      }
      if (step === SyncStep.Step2 && !this.synced) {
        if (this.opts.doc || this.opts.apply) Y.applyUpdate(this.doc, payload, 'server');
        return true;
      }
      if (step === SyncStep.Step2 && this.stateWaiter) {
        const w = this.stateWaiter;
        this.stateWaiter = undefined;
        w(payload);
        return false;
      }
      if (this.opts.apply) Y.applyUpdate(this.doc, payload, 'server');
      const id = firstStructId(payload);
      if (id && this.opts.onUpdate) this.opts.onUpdate(id.client, id.clock, at);
      return false;
    }
    if (type === MessageType.Ack && this.opts.onAck) this.opts.onAck(Y.decodeStateVector(decoding.readVarUint8Array(d)), at);
    return false;
  }
}

/** The (client, clock) of the first struct in a v1 update: enough to tell which sent update it is. */
export function firstStructId(update: Uint8Array): { client: number; clock: number } | undefined {
  const d = decoding.createDecoder(update);
  if (decoding.readVarUint(d) === 0) return undefined;
  decoding.readVarUint(d); // number of structs of this client
  const client = decoding.readVarUint(d);
  const clock = decoding.readVarUint(d);
  return { client, clock };
}
