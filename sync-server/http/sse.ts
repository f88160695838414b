import type { ServerResponse } from 'node:http';

/** A stream whose client does not read is dropped once this much is waiting to be sent. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

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

/**
 * One Server-Sent Events response (the stock stream, the alert stream): writes that drop a client which
 * stops reading, a heartbeat comment so proxies keep an idle stream open, and an end that runs once — when
 * the client leaves, the server closes, or the caller finishes — stopping whatever feeds the stream.
 */
export class SseStream {
  private ended = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private readonly stops: (() => void)[] = [];

  constructor(private readonly res: ServerResponse) {
    res.on('close', () => this.finish());
  }

  /** The stream has ended (or never could start: the client left while it was being set up). */
  get done(): boolean {
    if (!this.ended && (this.res.destroyed || this.res.req.socket.destroyed)) this.finish();
    return this.ended;
  }

  /** Runs `stop` when the stream ends; at once if it has ended already (the client left during set-up). */
  onFinish(stop: () => void): void {
    if (this.ended) stop();
    else this.stops.push(stop);
  }

  /** A chunk as it goes on the wire: a frame made once by `sseFrame` goes to every stream as the same bytes. */
  write(chunk: string | Buffer): void {
    if (this.ended || this.res.writableEnded) return;
    this.res.write(chunk);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.res.destroy();
  }

  event(name: string, data: unknown, id?: string): void {
    this.write(sseText(name, data, id));
  }

  /** Sends the headers and the reconnect hint, and starts the heartbeat. */
  start(heartbeatMs: number, headers: Record<string, string> = {}): void {
    this.res.writeHead(200, { ...SSE_HEADERS, ...headers });
    this.write('retry: 3000\n\n');
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), heartbeatMs);
    this.heartbeat.unref?.();
  }

  finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    for (const stop of this.stops.splice(0)) stop();
    if (!this.res.writableEnded) this.res.end();
  }
}
