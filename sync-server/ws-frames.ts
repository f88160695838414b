import type { RawData } from 'ws';

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
