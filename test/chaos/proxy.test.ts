import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { Prng } from './prng.ts';
import { ChaosLink, frameSize, type LinkFaults } from './proxy.ts';

/** The chaos links do what the suite says they do: a run that passes proves nothing if its faults are fake. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A WebSocket server that records what it receives and sends back whatever it is told to. */
async function target() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const received: string[] = [];
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (d: Buffer) => received.push(d.toString()));
  });
  cleanups.push(() => new Promise((r) => wss.close(() => r())));
  return { port: (wss.address() as { port: number }).port, received, sockets };
}

async function linkTo(port: number, faults: LinkFaults) {
  const link = new ChaosLink('test', { host: '127.0.0.1', port }, new Prng(1), faults);
  await link.listen();
  cleanups.push(() => link.close());
  return link;
}

async function client(link: ChaosLink) {
  const ws = new WebSocket(`ws://127.0.0.1:${link.port}/sync/x`);
  const got: string[] = [];
  ws.on('message', (d: Buffer) => got.push(d.toString()));
  ws.on('error', () => undefined);
  await once(ws, 'open');
  cleanups.push(async () => ws.terminate());
  return { ws, got };
}

const until = async (check: () => boolean) => {
  const end = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};
const quiet: LinkFaults = { delayMs: [0, 0], duplicate: 0, reorder: 0, holdMs: 0, slowStart: 0, slowStartMs: [0, 0] };

describe('a chaos link', () => {
  it('delivers every binary message twice, both ways, when told to duplicate all of them', async () => {
    const t = await target();
    const link = await linkTo(t.port, { ...quiet, duplicate: 1 });
    const c = await client(link);
    c.ws.send(Buffer.from('a'));
    await until(() => t.received.length === 2);
    t.sockets[0]!.send(Buffer.from('b'));
    await until(() => c.got.length === 2);
    expect(t.received).toEqual(['a', 'a']);
    expect(c.got).toEqual(['b', 'b']);
    expect(link.stats.duplicated).toBe(2);
  });

  it('lets a held-back message be overtaken by the next one', async () => {
    const t = await target();
    const link = await linkTo(t.port, { ...quiet, reorder: 1, holdMs: 1000 });
    const c = await client(link);
    c.ws.send(Buffer.from('first'));
    c.ws.send(Buffer.from('second'));
    await until(() => t.received.length === 2);
    expect(t.received).toEqual(['second', 'first']);
    expect(link.stats.reorderedToServer).toBe(1);
  });

  it('drops open connections on a cut and refuses new ones until restored', async () => {
    const t = await target();
    const link = await linkTo(t.port, quiet);
    const c = await client(link);
    // events.once would reject on the 'error' (a reset) that comes before 'close'.
    const closed = new Promise((r) => c.ws.on('close', r));
    link.cut();
    await closed;
    const refused = new WebSocket(`ws://127.0.0.1:${link.port}/sync/x`);
    refused.on('error', () => undefined);
    await new Promise((r) => refused.on('close', r));
    expect(link.stats.refused).toBe(1);
    link.restore();
    const again = await client(link);
    again.ws.send(Buffer.from('back'));
    await until(() => t.received.includes('back'));
  });

  it('holds the server’s first messages on a slow start while the client’s go through', async () => {
    const t = await target();
    const link = await linkTo(t.port, { ...quiet, slowStart: 1, slowStartMs: [300, 300] });
    const c = await client(link);
    const sent = Date.now();
    t.sockets[0]!.send(Buffer.from('greeting'));
    c.ws.send(Buffer.from('early'));
    await until(() => t.received.includes('early'));
    expect(c.got).toEqual([]);
    await until(() => c.got.length === 1);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(250);
    expect(link.stats.slowStarts).toBe(1);
  });

  it('reads frame lengths of every size class (RFC 6455 §5.2)', () => {
    expect(frameSize(Buffer.from([0x82, 0x03, 1, 2, 3]))).toBe(5);
    expect(frameSize(Buffer.from([0x82, 0x83, 0, 0, 0, 0, 1, 2]))).toBeUndefined();
    const mid = Buffer.alloc(4 + 300);
    mid[0] = 0x82;
    mid[1] = 126;
    mid.writeUInt16BE(300, 2);
    expect(frameSize(mid)).toBe(304);
    const big = Buffer.alloc(10 + 70_000);
    big[0] = 0x82;
    big[1] = 127;
    big.writeBigUInt64BE(70_000n, 2);
    expect(frameSize(big)).toBe(70_010);
    expect(frameSize(big.subarray(0, 9))).toBeUndefined();
  });
});
