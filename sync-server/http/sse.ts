import type { ServerResponse } from 'node:http';
import { forEachInSlices } from '../time-slices.ts';

/** A stream whose client does not read is dropped once this much is waiting to be sent. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/**
 * A stream this far behind (bytes the client has not read yet) gets no more changes of a state that a
 * later message replaces whole (the stock): it is sent the latest state once it has read what it has, so a
 * slow reader costs the server at most this much plus one message, and is not dropped for being slow.
 */
export const BEHIND_BYTES = 64 * 1024;
/** The heartbeats of a crowd of streams go out in slices of this much time. */
const HEARTBEAT_SLICE_MS = 5;

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

const sseText = (name: string, data: unknown, id?: string): string => `event: ${name}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;

/**
 * One event, serialised and UTF-8 encoded once, for a broadcast: 10,000 streams watching a drop get the same
 * Buffer, instead of 10,000 JSON.stringify calls and string encodings of the same change.
 */
export function sseFrame(name: string, data: unknown, id?: string): Buffer {
  return Buffer.from(sseText(name, data, id), 'utf8');
}

const HEARTBEAT = Buffer.from(': heartbeat\n\n');

/**
 * A frame in HTTP/1.1 chunked framing (size line, bytes, CRLF), made once per frame for all the streams it
 * goes to: each stream's write is then one buffer handed straight to its socket (one syscall, a few small
 * objects) instead of res.write's size string, three buffered pieces and a writev per stream.
 */
const chunkedFrames = new WeakMap<Buffer, Buffer>();
function chunkedFrame(frame: Buffer): Buffer {
  let chunk = chunkedFrames.get(frame);
  if (!chunk) {
    chunk = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`, 'latin1'), frame, Buffer.from('\r\n', 'latin1')]);
    chunkedFrames.set(frame, chunk);
  }
  return chunk;
}

/**
 * One timer per heartbeat period for every stream of the process, not one per stream: 10,000 interval
 * timers cost memory and each fired on its own; one tick writes every stream's heartbeat in time slices.
 */
class HeartbeatGroup {
  readonly streams = new Set<SseStream>();
  /** Counts the beats: a stream that wrote since the last one needs no heartbeat (it is not idle). */
  beat = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private beating = false;

  constructor(
    private readonly periodMs: number,
    private readonly onEmpty: () => void,
  ) {}

  add(stream: SseStream): void {
    this.streams.add(stream);
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.periodMs);
    this.timer.unref?.();
  }

  delete(stream: SseStream): void {
    this.streams.delete(stream);
    if (this.streams.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.onEmpty();
  }

  private tick(): void {
    // A beat still going out (a crowd on a loaded machine) is not overtaken by the next one.
    if (this.beating) return;
    this.beating = true;
    const beat = this.beat++;
    void forEachInSlices([...this.streams], (s) => s.heartbeat(beat), { budgetMs: HEARTBEAT_SLICE_MS }).then(() => {
      this.beating = false;
    });
  }
}

const heartbeats = new Map<number, HeartbeatGroup>();

function heartbeatGroup(periodMs: number): HeartbeatGroup {
  let group = heartbeats.get(periodMs);
  if (!group) {
    group = new HeartbeatGroup(periodMs, () => heartbeats.delete(periodMs));
    heartbeats.set(periodMs, group);
  }
  return group;
}

/**
 * One Server-Sent Events response (the stock stream, the alert stream): writes that drop a client which
 * stops reading, a heartbeat comment so proxies keep an idle stream open, and an end that runs once — when
 * the client leaves, the server closes, or the caller finishes — stopping whatever feeds the stream.
 */
export class SseStream {
  private ended = false;
  private group: HeartbeatGroup | undefined;
  private readonly stops: (() => void)[] = [];
  /** The stream is BEHIND_BYTES behind: this makes the latest state, sent once the client has read up. */
  private catchUp: (() => Buffer) | undefined;
  /** The heartbeat group's beat count at this stream's last write. */
  private wroteAt = -1;

  /** The socket drained (the client read up): a stream that fell behind is sent the latest state. */
  private readonly onDrain = () => this.sendCatchUp();

  constructor(private readonly res: ServerResponse) {
    res.on('close', () => this.finish());
    // The socket's own drain: frames go straight to it (push), so the response would not see one.
    res.socket?.on('drain', this.onDrain);
  }

  /** The stream has ended (or never could start: the client left while it was being set up). */
  get done(): boolean {
    if (!this.ended && (this.res.destroyed || this.res.req.socket.destroyed)) this.finish();
    return this.ended;
  }

  /** Bytes written that the client has not read yet (queued in this process, not the kernel's buffer). */
  get buffered(): number {
    return this.res.writableLength;
  }

  /** Runs `stop` when the stream ends; at once if it has ended already (the client left during set-up). */
  onFinish(stop: () => void): void {
    if (this.ended) stop();
    else this.stops.push(stop);
  }

  /**
   * A chunk that must arrive (an alert, the snapshot): a client that lets MAX_BUFFERED_BYTES pile up is
   * dropped. A frame made once by `sseFrame` goes to every stream as the same bytes.
   */
  write(chunk: string | Buffer): void {
    if (this.group) this.wroteAt = this.group.beat;
    this.push(chunk);
  }

  private push(chunk: string | Buffer): void {
    const res = this.res;
    if (this.ended || res.writableEnded) return;
    const socket = res.socket;
    if (Buffer.isBuffer(chunk) && socket && res.headersSent && res.writableLength === socket.writableLength) {
      // The head is out and nothing of this response waits in it: the socket is this response's alone
      // (an SSE response never ends on its own), so a shared frame goes straight to it, in order.
      socket.write(res.chunkedEncoding ? chunkedFrame(chunk) : chunk);
    } else {
      res.write(chunk);
      // res.write corks the socket until the next tick; uncorking now makes the syscall happen inside this
      // call, where a broadcast's time slice counts it (time-slices.ts), instead of all 10,000 at once after.
      socket?.uncork();
    }
    if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
  }

  /**
   * A change of a state that `latest` gives whole (the stock): sent if the client keeps up; if it is
   * BEHIND_BYTES behind, skipped, and the client is sent `latest()` (one frame, whatever it missed) once it
   * has read what it has. Memory per slow reader stays bounded and it is not dropped for being slow.
   */
  offer(frame: Buffer, latest: () => Buffer): void {
    if (this.ended || this.res.writableEnded) return;
    if (this.catchUp || this.res.writableLength >= BEHIND_BYTES) {
      this.catchUp = latest;
      this.sendCatchUp();
      return;
    }
    this.write(frame);
  }

  event(name: string, data: unknown, id?: string): void {
    this.write(sseText(name, data, id));
  }

  /** Sends the headers and the reconnect hint, and joins the process's heartbeat for `heartbeatMs`. */
  start(heartbeatMs: number, headers: Record<string, string> = {}): void {
    this.res.writeHead(200, { ...SSE_HEADERS, ...headers });
    this.write('retry: 3000\n\n');
    if (this.ended) return;
    this.group = heartbeatGroup(heartbeatMs);
    this.group.add(this);
  }

  /**
   * Beat `beat` of the stream's group: a comment that keeps proxies from closing an idle stream. A stream
   * that wrote since the last beat is not idle (during a drop every stream gets stock events: 10,000
   * heartbeats would be 10,000 writes for nothing); one that is behind gets the latest state if it can.
   */
  heartbeat(beat: number): void {
    if (this.catchUp) this.sendCatchUp();
    else if (this.wroteAt < beat && this.res.writableLength < BEHIND_BYTES) this.push(HEARTBEAT);
  }

  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.catchUp = undefined;
    this.res.socket?.off('drain', this.onDrain);
    this.group?.delete(this);
    this.group = undefined;
    for (const stop of this.stops.splice(0)) stop();
    if (!this.res.writableEnded) this.res.end();
  }

  private sendCatchUp(): void {
    if (!this.catchUp || this.ended || this.res.writableLength >= BEHIND_BYTES) return;
    const latest = this.catchUp;
    this.catchUp = undefined;
    this.write(latest());
  }
}
