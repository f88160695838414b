import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { api, demoWorld, until, type World } from './test-support.ts';

/**
 * The HTTP edge under hostile input: every refusal is a clear answer (never a 500 or a reset), and
 * connections that send nothing or send slowly are closed on time.
 */
let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const ADMIN = 'test-admin-token-0123456789';

describe('bodies', () => {
  it('answers 400 naming the problem to a JSON null body on every JSON endpoint', async () => {
    w = await demoWorld();
    const e = `/api/events/${DEMO_EVENT_ID}`;
    const paths = ['/api/events', `${e}/pairing-codes`, '/api/pair', `${e}/tokens`, `${e}/catalog`, `${e}/stock/receive`, `${e}/stock/transfer`, `${e}/staff`];
    for (const path of paths) {
      const res = await api(w.server.url, 'POST', path, { token: ADMIN, body: null });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect((res.body as { message: string }).message).toMatch(/must be a JSON object or array, not null/);
    }
  });

  it('answers 415 to a JSON endpoint sent text/plain, and changes nothing', async () => {
    w = await demoWorld();
    const before = await api(w.server.url, 'GET', `/api/events/${DEMO_EVENT_ID}`, { token: ADMIN });
    const res = await fetch(`${w.server.url}/api/events/${DEMO_EVENT_ID}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'Renamed by a form post' }),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toMatch(/application\/json, not text\/plain/);
    const after = await api(w.server.url, 'GET', `/api/events/${DEMO_EVENT_ID}`, { token: ADMIN });
    expect((after.body as { config: unknown }).config).toEqual((before.body as { config: unknown }).config);
  });

  it('writes the 413 for a body over the limit, then closes the connection', async () => {
    w = await demoWorld({ limits: { maxBodyBytes: 64 * 1024 } });
    const url = new URL(`${w.server.url}/api/events/${DEMO_EVENT_ID}/catalog`);
    const answer = await new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      });
      req.on('error', reject);
      // Chunked, so the server only learns the size while reading.
      const chunk = Buffer.alloc(16 * 1024, 'x');
      for (let i = 0; i < 8; i++) req.write(chunk);
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'BodyTooLargeError', message: 'the request body is larger than 65536 bytes' });
  });

  it('answers 400 to a request target that is not a URL', async () => {
    w = await demoWorld();
    const { port } = new URL(w.server.url);
    const raw = await rawExchange(Number(port), 'GET http://[bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('BadRequestTarget');
  });
});

describe('timeouts', () => {
  it('closes connections that never send a byte, and ends bodies sent a byte at a time', async () => {
    w = await demoWorld({ limits: { idleConnectionMs: 300, requestTimeoutMs: 1000 } });
    const { port } = new URL(w.server.url);
    const silent: Socket[] = [];
    for (let i = 0; i < 20; i++) silent.push(await opened(Number(port)));
    const slow = await opened(Number(port));
    slow.write(`POST /api/pair HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    const drip = setInterval(() => slow.writable && slow.write(' '), 100);
    try {
      await until(() => silent.every((s) => s.closed), 'silent connections closed', 4000);
      await until(() => slow.closed, 'the slow body closed', 4000);
    } finally {
      clearInterval(drip);
      for (const s of [...silent, slow]) s.destroy();
    }
  });

  it('keeps a connection that is sending its request', async () => {
    w = await demoWorld({ limits: { idleConnectionMs: 300 } });
    const res = await api(w.server.url, 'GET', '/healthz');
    expect(res.status).toBe(200);
  });
});

function opened(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}
