import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { percentile } from '../stats.ts';

/** How long this disk takes to make a small write durable (write + fsync), for reading the durable figures. */
export async function fsyncLatency(dir: string, count = 200): Promise<{ p50: number; p99: number }> {
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const buf = Buffer.alloc(1024, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      writeSync(fd, buf);
      fsyncSync(fd);
      times.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    await rm(file, { force: true });
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}
