import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.ts';

describe('GET /metrics text', () => {
  it('carries the process memory gauges, read when asked for', () => {
    const text = new Metrics().render();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    const rss = gauge('popup_process_resident_memory_bytes');
    const heapUsed = gauge('popup_process_heap_used_bytes');
    const heapTotal = gauge('popup_process_heap_total_bytes');
    expect(rss).toBeGreaterThan(0);
    expect(heapUsed).toBeGreaterThan(0);
    expect(heapTotal).toBeGreaterThanOrEqual(heapUsed);
    expect(rss).toBeGreaterThanOrEqual(heapUsed);
    expect(text).toMatch(/^# TYPE popup_process_external_bytes gauge$/m);
  });
});
