import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { tickBatchedSend } from './ws-frames.ts';

/**
 * The relay path's socket writes: every message sent to one connection within one task reaches the kernel
 * in one write (docs/sync-protocol.md, "Relay at once, acknowledge when durable"), in order, and nothing
 * waits past that task.
 */
let server: Server | undefined;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server whose first connection is handed over with its socket, and a client connected to it. */
async function connected(): Promise<{ ws: WebSocket; socket: Socket; client: WebSocket; got: number[] }> {
  const wss = new WebSocketServer({ noServer: true });
  const s = createServer();
  server = s;
  const accepted = new Promise<{ ws: WebSocket; socket: Socket }>((resolve) =>
    s.on('upgrade', (req, socket: Socket, head) => wss.handleUpgrade(req, socket, head, (ws) => resolve({ ws, socket }))),
  );
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  clients.push(client);
  const got: number[] = [];
  client.on('message', (data: Buffer) => got.push(data[0]!));
  await new Promise((resolve) => client.once('open', resolve));
  return { ...(await accepted), client, got };
}

/** Counts the system-call-level writes (one `_write` or `_writev` each) the socket makes. */
function countWrites(socket: Socket): { count: number } {
  const counter = { count: 0 };
  const s = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = s._write.bind(socket);
  const writev = s._writev.bind(socket);
  s._write = (...a) => {
    counter.count++;
    write(...a);
  };
  s._writev = (...a) => {
    counter.count++;
    writev(...a);
  };
  return counter;
}

describe('tickBatchedSend', () => {
  it('sends the messages of one task to a connection in one socket write, in order', async () => {
    const { ws, socket, got } = await connected();
    const writes = countWrites(socket);
    const send = tickBatchedSend(ws, socket);
    for (let i = 0; i < 20; i++) send(new Uint8Array([i, 1, 2, 3]));
    // Nothing is held past the task: the microtask that ends it flushes.
    await Promise.resolve();
    expect(writes.count).toBe(1);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${got.length} of 20 messages arrived`)), 5000);
      const check = () => (got.length === 20 ? (clearTimeout(t), resolve()) : setTimeout(check, 5));
      check();
    });
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // A later task's messages go out in a write of their own, at the end of that task.
    send(new Uint8Array([99]));
    await Promise.resolve();
    expect(writes.count).toBe(2);
  });

  it('sends nothing once the connection is closing', async () => {
    const { ws, socket } = await connected();
    const send = tickBatchedSend(ws, socket);
    ws.close(1000, 'bye');
    const writes = countWrites(socket);
    send(new Uint8Array([1]));
    await Promise.resolve();
    expect(writes.count).toBe(0);
  });
});
