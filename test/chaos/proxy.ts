import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Prng } from './prng.ts';

/**
 * One till's link to the sync server: a loopback TCP proxy (127.0.0.1, port 0) that the chaos run controls.
 *
 * - `cut()` destroys every open connection and refuses new ones until `restore()`: Wi-Fi gone.
 * - Every chunk or frame is delayed by a random latency (release times stay in order, as TCP keeps them).
 * - On a WebSocket connection the proxy parses the frames of both directions (RFC 6455 §5.2: the client's
 *   are masked, the server's are not) after the HTTP upgrade, and at MESSAGE level it duplicates a binary
 *   message (the same frame sent twice) and reorders two (holds one back and lets the next overtake it).
 *   TCP itself never duplicates or reorders bytes, so this is done where it means something: whole
 *   y-websocket messages, as a faulty relay or a retrying client would deliver them. Control frames (ping,
 *   pong, close) and fragmented messages pass through in order. A connection that negotiated an extension
 *   (permessage-deflate keeps a shared compression context, so a repeated frame would corrupt it) only gets
 *   latency.
 * - Plain HTTP connections (the page and its assets, pairing, the storefront API) get latency and cuts only.
 */
export interface LinkFaults {
  /** Latency added to each chunk or frame, uniform in [min, max] ms. */
  delayMs: [number, number];
  /** Chance a binary message is delivered twice. */
  duplicate: number;
  /** Chance a binary message is held back and overtaken by the next one (released within `holdMs`). */
  reorder: number;
  holdMs: number;
  /**
   * Chance a WebSocket connection's server side is slow to start: its first frames (the greeting, sync step 1)
   * are held for `slowStartMs`, as when the server is still loading the document after a restart, while the
   * till can already send.
   */
  slowStart: number;
  slowStartMs: [number, number];
}

export const DEFAULT_FAULTS: LinkFaults = { delayMs: [0, 15], duplicate: 0.03, reorder: 0.05, holdMs: 250, slowStart: 0.3, slowStartMs: [100, 600] };

export interface LinkStats {
  connections: number;
  cuts: number;
  refused: number;
  duplicated: number;
  reordered: number;
  slowStarts: number;
  /** Of those, messages from the till to the server (the server refuses an update that overtakes an older one). */
  reorderedToServer: number;
  frames: number;
}

export interface LinkTarget {
  host: string;
  port: number;
}

/** No fault at all: a plain TCP relay (the cluster test uses links only to pick a live process). */
export const NO_FAULTS: LinkFaults = { delayMs: [0, 0], duplicate: 0, reorder: 0, holdMs: 0, slowStart: 0, slowStartMs: [0, 0] };

export class ChaosLink {
  readonly stats: LinkStats = { connections: 0, cuts: 0, refused: 0, duplicated: 0, reordered: 0, slowStarts: 0, reorderedToServer: 0, frames: 0 };
  private server: Server | undefined;
  private readonly live = new Set<Socket>();
  private up = true;
  port = 0;

  constructor(
    readonly name: string,
    /** Where each new connection goes: a function in a cluster run, as a load balancer picks a live process. */
    private readonly target: LinkTarget | (() => LinkTarget),
    private readonly rng: Prng,
    private readonly faults: LinkFaults = DEFAULT_FAULTS,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.up;
  }

  async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
  }

  /** Drops every connection at once (both ends see a reset) and refuses new ones until `restore()`. */
  cut(): void {
    if (!this.up) return;
    this.up = false;
    this.stats.cuts++;
    for (const s of this.live) s.destroy();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    if (!this.up) {
      this.stats.refused++;
      client.destroy();
      return;
    }
    this.stats.connections++;
    const target = typeof this.target === 'function' ? this.target() : this.target;
    const upstream = connect(target.port, target.host);
    this.live.add(client);
    this.live.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.live.delete(client);
      this.live.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const toServer = new Pump(upstream, 'request', this.rng, this.faults, this.stats);
    const toClient = new Pump(client, 'response', this.rng, this.faults, this.stats);
    toServer.peer = toClient;
    toClient.peer = toServer;
    client.on('data', (b: Buffer) => toServer.push(b));
    upstream.on('data', (b: Buffer) => toClient.push(b));
  }
}

/** One direction of one connection: finds the HTTP head, then (for WebSockets) the frames, and emits them. */
class Pump {
  peer: Pump | undefined;
  /** 'head' until the end of the HTTP head; then 'frames' (WebSocket) or 'raw'. */
  private mode: 'head' | 'frames' | 'raw' = 'head';
  private buf = Buffer.alloc(0);
  private releaseAt = 0;
  private held: { frame: Buffer; timer: ReturnType<typeof setTimeout> } | undefined;
  /** Message-level faults are allowed on this connection (a WebSocket with no extension). */
  messageFaults = false;

  constructor(
    private readonly out: Socket,
    private readonly side: 'request' | 'response',
    private readonly rng: Prng,
    private readonly faults: LinkFaults,
    private readonly stats: LinkStats,
  ) {}

  push(chunk: Buffer): void {
    if (this.mode === 'raw') return this.emit(chunk);
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.mode === 'head') {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.subarray(0, end + 4);
      this.buf = this.buf.subarray(end + 4);
      const text = head.toString('latin1').toLowerCase();
      this.emit(head);
      if (this.side === 'request') {
        // A WebSocket upgrade: both directions switch to frames after their heads.
        const ws = /\r\nupgrade:\s*websocket/.test(text);
        this.mode = ws ? 'frames' : 'raw';
        if (this.peer) this.peer.expectWebSocket = ws;
      } else {
        this.mode = this.expectWebSocket && text.startsWith('http/1.1 101') ? 'frames' : 'raw';
        const clean = !/\r\nsec-websocket-extensions:/.test(text);
        this.messageFaults = this.mode === 'frames' && clean;
        if (this.peer) this.peer.messageFaults = this.messageFaults;
        if (this.mode === 'frames' && this.rng.chance(this.faults.slowStart)) {
          // Everything the server sends next waits (release times never go backwards, see emit).
          this.stats.slowStarts++;
          this.releaseAt = Date.now() + this.rng.int(...this.faults.slowStartMs);
        }
      }
      if (this.mode === 'raw') {
        const rest = this.buf;
        this.buf = Buffer.alloc(0);
        if (rest.length) this.emit(rest);
        return;
      }
    }
    this.frames();
  }

  expectWebSocket = false;

  private frames(): void {
    for (;;) {
      const size = frameSize(this.buf);
      if (size === undefined) return;
      const frame = this.buf.subarray(0, size);
      this.buf = this.buf.subarray(size);
      this.stats.frames++;
      this.frame(Buffer.from(frame));
    }
  }

  private frame(frame: Buffer): void {
    const fin = (frame[0]! & 0x80) !== 0;
    const opcode = frame[0]! & 0x0f;
    const message = fin && opcode === 0x2 && this.messageFaults;
    if (!message) {
      // Control frames and fragments keep their place: release anything held first.
      this.releaseHeld();
      return this.emit(frame);
    }
    if (this.held) {
      // The held message is overtaken by this one.
      this.emit(frame);
      this.releaseHeld();
      this.stats.reordered++;
      if (this.side === 'request') this.stats.reorderedToServer++;
      return;
    }
    if (this.rng.chance(this.faults.reorder)) {
      this.held = { frame, timer: setTimeout(() => this.releaseHeld(), this.faults.holdMs) };
      return;
    }
    this.emit(frame);
    if (this.rng.chance(this.faults.duplicate)) {
      this.stats.duplicated++;
      this.emit(frame);
    }
  }

  private releaseHeld(): void {
    const h = this.held;
    if (!h) return;
    this.held = undefined;
    clearTimeout(h.timer);
    this.emit(h.frame);
  }

  /**
   * Sends after a random latency. One queue per direction drained by one timer, and release times never go
   * backwards, so latency alone never reorders (timers of different lengths may fire out of order).
   */
  private emit(data: Buffer): void {
    const [min, max] = this.faults.delayMs;
    const at = Math.max(this.releaseAt, Date.now() + this.rng.int(min, max));
    this.releaseAt = at;
    this.queue.push({ at, data });
    this.drain();
  }

  private queue: { at: number; data: Buffer }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  private drain(): void {
    if (this.timer) return;
    while (this.queue.length && this.queue[0]!.at <= Date.now()) {
      const { data } = this.queue.shift()!;
      if (!this.out.destroyed) this.out.write(data);
    }
    if (this.queue.length) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, this.queue[0]!.at - Date.now());
    }
  }
}

/** The length of the first whole frame in `b` (RFC 6455 §5.2), or undefined when it is not all there yet. */
export function frameSize(b: Buffer): number | undefined {
  if (b.length < 2) return undefined;
  const masked = (b[1]! & 0x80) !== 0;
  let len = b[1]! & 0x7f;
  let head = 2;
  if (len === 126) {
    if (b.length < 4) return undefined;
    len = b.readUInt16BE(2);
    head = 4;
  } else if (len === 127) {
    if (b.length < 10) return undefined;
    len = Number(b.readBigUInt64BE(2));
    head = 10;
  }
  const total = head + (masked ? 4 : 0) + len;
  return b.length >= total ? total : undefined;
}
