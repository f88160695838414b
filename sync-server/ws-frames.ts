import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';

/** What both WebSocket endpoints (ws-transport.ts, ws-multiplex.ts) need of a frame and a close. */

/**
 * A close reason must fit in 123 bytes of UTF-8 (RFC 6455 §5.5.1), or `ws` throws. Reasons can quote what a
 * client sent (a document name, a map key), so they are cut to fit, on a character boundary.
 */
export function fitReason(reason: string): string {
  const bytes = Buffer.from(reason);
  if (bytes.length <= 123) return reason;
  let end = 123;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString();
}

export function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A send function for one connection whose writes within one turn of the event loop reach the kernel in
 * one `writev`: the socket is corked at the first send and uncorked once the current task's synchronous
 * work is done (a microtask). A writer's burst of updates arrives in one TCP read and is relayed message
 * by message; unbatched, each relay to each reader was its own system call (17 % of the server's CPU under
 * the throughput workload, docs/benchmarks.md). Nothing waits longer than the task that sent it.
 */
export function tickBatchedSend(ws: WebSocket, socket: Duplex): (message: Uint8Array) => void {
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return (message) => {
    if (ws.readyState !== ws.OPEN) return;
    if (!corked) {
      corked = true;
      socket.cork();
      queueMicrotask(uncork);
    }
    ws.send(message);
  };
}
