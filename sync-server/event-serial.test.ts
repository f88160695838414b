import { describe, expect, it } from 'vitest';
import { EventSerial } from './event-serial.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('EventSerial: one event’s server writes one at a time', () => {
  it('runs one event’s work in order, lets other events run meanwhile, survives a failure, and forgets idle events', async () => {
    const serial = new EventSerial();
    const log: string[] = [];
    const step = (name: string, fail = false) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
    const a1 = serial.run('a', step('a1', true));
    const a2 = serial.run('a', step('a2'));
    const b1 = serial.run('b', step('b1'));
    expect(serial.busyEvents()).toBe(2);
    await expect(a1).rejects.toThrow('a1 failed');
    expect(await a2).toBe('a2');
    expect(await b1).toBe('b1');
    // a2 starts only after a1 ended (even though a1 failed); b1 ran alongside a1.
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(log.indexOf('b1 start')).toBeLessThan(log.indexOf('a1 end'));
    await tick();
    expect(serial.busyEvents()).toBe(0);
  });
});
