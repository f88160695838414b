import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_EVENT_ID } from '../../../core/event/demo-event.ts';
import { freshDatabase, type TestDatabase } from '../../../sync-server/storage/pg-test-support.ts';

/**
 * The real server, three times, as `npm run serve -- --store postgres://…` runs it: any process answers for
 * the demo event (forwarding to its owner), and when the owner is SIGKILLed another serves within 5 s.
 */
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const E = DEMO_EVENT_ID;

interface Proc {
  child: ChildProcess;
  url: string;
  out: string[];
  exited: Promise<unknown>;
}

async function serve(storeUrl: string, dataDir: string, demo: boolean): Promise<Proc> {
  const args = ['--import', 'tsx', 'sync-server/cli.ts', '--store', storeUrl, '--host', '127.0.0.1', '--port', '0', '--data', dataDir, ...(demo ? ['--demo'] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, POPUP_ADMIN_TOKEN: 'cluster-cli-admin-token-0123456789' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const exited = once(child, 'exit');
  createInterface({ input: child.stderr! }).on('line', (l) => out.push(`stderr: ${l}`));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (l) => out.push(l));
  const end = Date.now() + 60_000;
  for (;;) {
    const url = /sync server on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out.join('\n'))?.[1];
    if (url && (!demo || out.some((l) => l.includes('Storefront token:')))) return { child, url, out, exited };
    if (child.exitCode !== null || Date.now() > end) throw new Error(`the server did not start:\n${out.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function owned(url: string): Promise<string[]> {
  const h = (await (await fetch(`${url}/healthz`)).json()) as { cluster: { events: { eventId: string }[] } };
  return h.cluster.events.map((e) => e.eventId);
}

let db: TestDatabase;
let dir: string;
const procs: Proc[] = [];
beforeAll(async () => {
  db = await freshDatabase();
  dir = await mkdtemp(join(tmpdir(), 'popup-cluster-'));
});
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await rm(dir, { recursive: true, force: true });
  await db.drop();
});

describe('three CLI server processes on one PostgreSQL', () => {
  it('answer for the event through any of them, and another serves within 5 s of the owner being SIGKILLed', async () => {
    const first = await serve(db.url, join(dir, 'p1'), true);
    procs.push(first);
    procs.push(...(await Promise.all([serve(db.url, join(dir, 'p2'), false), serve(db.url, join(dir, 'p3'), false)])));
    const token = /Storefront token:\s+(\S+)/.exec(first.out.join('\n'))![1]!;
    const stock = (url: string) => fetch(`${url}/api/events/${E}/stock`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });

    // The first process seeded the event: it owns it, and the others forward to it.
    expect(await owned(first.url)).toEqual([E]);
    const direct = await (await stock(first.url)).json();
    for (const p of procs.slice(1)) {
      const r = await stock(p.url);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual(direct);
      expect(await owned(p.url)).toEqual([]);
    }

    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    let servedAt = 0;
    while (!servedAt && Date.now() - killedAt < 10_000) {
      const r = await stock(procs[1]!.url).catch(() => undefined);
      if (r?.status === 200) servedAt = Date.now();
      else await new Promise((res) => setTimeout(res, 100));
    }
    expect(servedAt).toBeGreaterThan(0);
    expect(servedAt - killedAt).toBeLessThan(5000);
    expect(await owned(procs[1]!.url)).toEqual([E]);
    // The stock as the dead owner left it: read from PostgreSQL by the new owner.
    expect(await (await stock(procs[2]!.url)).json()).toEqual(direct);
  });
});
