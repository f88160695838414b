import { describe, expect, it } from 'vitest';
import { epochToZonedLocal, zonedLocalToEpoch } from './zoned-time.ts';

describe('event-zone wall times', () => {
  it('reads a Paris time as Paris time, whatever the machine zone', () => {
    expect(zonedLocalToEpoch('2026-07-04T10:00', 'Europe/Paris')).toBe(Date.UTC(2026, 6, 4, 8, 0));
    expect(zonedLocalToEpoch('2026-12-04T10:00', 'Europe/Paris')).toBe(Date.UTC(2026, 11, 4, 9, 0));
    expect(zonedLocalToEpoch('2026-07-04T10:00', 'America/New_York')).toBe(Date.UTC(2026, 6, 4, 14, 0));
  });

  it('round-trips through the input format', () => {
    for (const tz of ['Europe/Paris', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC']) {
      const local = '2026-03-15T23:45';
      expect(epochToZonedLocal(zonedLocalToEpoch(local, tz), tz)).toBe(local);
    }
  });

  it('resolves the daylight-saving edges deterministically', () => {
    // 2026-03-29 02:30 does not exist in Paris (clocks jump 02:00 → 03:00): the instant after the gap.
    expect(epochToZonedLocal(zonedLocalToEpoch('2026-03-29T02:30', 'Europe/Paris'), 'Europe/Paris')).toBe('2026-03-29T03:30');
    // 2026-10-25 02:30 happens twice: the first one (still summer time, UTC+2).
    expect(zonedLocalToEpoch('2026-10-25T02:30', 'Europe/Paris')).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

  it('names a malformed time', () => {
    expect(() => zonedLocalToEpoch('4 July', 'Europe/Paris')).toThrow(/not a date and time/);
    expect(() => zonedLocalToEpoch('2026-13-01T10:00', 'Europe/Paris')).toThrow(/not a valid/);
  });
});
