import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { demoWorld, type World } from './test-support.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

describe('pairing codes', () => {
  it('made at the same moment name different tills with different receipt prefixes', async () => {
    const d = await demoWorld();
    w = d;
    const made = await Promise.all(
      Array.from({ length: 10 }, (_, i) => d.server.events.createPairingCode(DEMO_EVENT_ID, { name: `Till ${i}`, locationId: 'booth-a', brandIds: ['north-thread'] })),
    );
    expect(new Set(made.map((m) => m.tillId)).size).toBe(10);
    expect(new Set(made.map((m) => m.receiptPrefix)).size).toBe(10);
  });
});
