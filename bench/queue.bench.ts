import { randomBytes } from 'node:crypto';
import { DropQueue } from '../sync-server/storefront/queue.ts';
import { MemoryStore } from '../sync-server/storage/memory-store.ts';

/**
 * `npx tsx bench/queue.bench.ts`: the waiting room (sync-server/storefront/queue.ts) on one process with
 * 20,000 queued shoppers. All join before the start (each with its own browser key and address, as real
 * shoppers); from the start every shopper's page asks every 500 ms whether its ticket is admitted (the full
 * check a reservation makes: HMAC, browser key, place). Prints the measured admission rate against the setting
 * (target: within ±10 %), over the middle of the admission so the first and last polls do not skew it.
 * Prints figures; never fails on timing.
 */
const SHOPPERS = Number(process.env['QUEUE_SHOPPERS'] ?? 20_000);
const RATE = Number(process.env['QUEUE_RATE'] ?? 2_000);
const POLL_MS = 500;
const TICK_MS = 10;
const EVENT = 'bench-drop';

async function main(): Promise<void> {
  const stores = new MemoryStore();
  let startsAt = Date.now() + 60_000;
  const queue = new DropQueue({ stores, now: Date.now, dropOf: async () => ({ startsAt, endsAt: startsAt + 3_600_000 }) });
  await queue.setSettings(EVENT, { enabled: true, admitPerSecond: RATE });

  const shoppers: { key: string; ticket: string; admittedAt: number | null }[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SHOPPERS; i++) {
    const key = randomBytes(32).toString('base64url');
    const { ticket } = await queue.issue(EVENT, key, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    shoppers.push({ key, ticket, admittedAt: null });
  }
  const issueMs = performance.now() - t0;

  // The drop starts a second from now; polling runs from then on.
  startsAt = Date.now() + 1000;
  let checks = 0;
  let checkMs = 0;
  let waiting = SHOPPERS;
  await new Promise<void>((done) => {
    let tick = 0;
    const slots = POLL_MS / TICK_MS;
    const timer = setInterval(() => {
      void (async () => {
        const slot = tick++ % slots;
        const started = performance.now();
        for (let i = slot; i < shoppers.length; i += slots) {
          const s = shoppers[i]!;
          if (s.admittedAt !== null) continue;
          checks++;
          try {
            await queue.admit(EVENT, s.ticket, s.key);
            s.admittedAt = Date.now();
            waiting--;
          } catch {
            /* not yet: QueueNotAdmitted */
          }
        }
        checkMs += performance.now() - started;
        if (waiting === 0) {
          clearInterval(timer);
          done();
        }
      })();
    }, TICK_MS);
  });

  const times = shoppers.map((s) => s.admittedAt!).sort((a, b) => a - b);
  const span = (times.at(-1)! - startsAt) / 1000;
  // The middle 80 % of the expected admission time: each shopper is seen up to POLL_MS late, evenly.
  const expectedSpan = SHOPPERS / RATE;
  const from = startsAt + expectedSpan * 100;
  const to = startsAt + expectedSpan * 900;
  const inWindow = times.filter((t) => t >= from && t < to).length;
  const measured = inWindow / ((to - from) / 1000);
  const ratio = measured / RATE;
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
  console.log(`waiting room: ${fmt(SHOPPERS)} shoppers, admission set to ${fmt(RATE)}/s, polled every ${POLL_MS} ms`);
  console.log(`  tickets issued: ${fmt(SHOPPERS)} in ${fmt(issueMs)} ms (${fmt(SHOPPERS / (issueMs / 1000))}/s)`);
  console.log(`  ticket checks: ${fmt(checks)} at ${fmt((checkMs * 1000) / checks)} µs each`);
  console.log(`  all admitted ${fmt(span)} s after the start (expected ${fmt(expectedSpan)} s)`);
  console.log(`  admission rate (middle 80 %): ${fmt(measured)}/s = ${ratio.toFixed(3)} × the setting: ${Math.abs(ratio - 1) <= 0.1 ? 'met' : 'MISSED'} (target ±10 %)`);
}

await main();
