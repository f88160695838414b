import { describe, expect, it } from 'vitest';
import { SWITCH_TIMEOUT_MS, UPDATE_CHECK_MS, WORKER_URL, startShell, type ShellEnvironment, type WorkerContainer, type WorkerRegistration } from './service-worker.ts';

/** A fake `navigator.serviceWorker` that records what the till asked of it. */
function world(opts: { waiting?: boolean; controlled?: boolean; takesOver?: boolean; desktop?: boolean; protocol?: string; noContainer?: boolean } = {}) {
  const log: string[] = [];
  let onChange: (() => void) | undefined;
  const registration: WorkerRegistration = {
    waiting: opts.waiting
      ? {
          postMessage: (m) => {
            log.push(`message ${JSON.stringify(m)}`);
            if (opts.takesOver !== false) queueMicrotask(() => onChange?.());
          },
        }
      : null,
    update: async () => void log.push('update'),
  };
  const container: WorkerContainer = {
    controller: opts.controlled === false ? null : {},
    getRegistration: async () => (opts.waiting !== undefined ? registration : undefined),
    register: async (url, o) => {
      log.push(`register ${url} ${o?.scope}`);
      return registration;
    },
    addEventListener: (_type, listener) => void (onChange = listener),
  };
  const timers: Array<[number, () => void]> = [];
  const env: ShellEnvironment = {
    protocol: opts.protocol ?? 'https:',
    container: opts.noContainer ? undefined : container,
    desktop: opts.desktop ?? false,
    reload: () => void log.push('reload'),
    every: (ms, fn) => void timers.push([ms, fn]),
    // The timeout runs out only for a version that never takes over, so the two never race in a test.
    sleep: (ms) => {
      log.push(`sleep ${ms}`);
      return opts.takesOver === false ? Promise.resolve() : new Promise<void>(() => undefined);
    },
  };
  return { env, log, timers };
}

describe('the till shell start', () => {
  it('registers the worker in a browser and looks for a new version hourly', async () => {
    const w = world();
    expect(await startShell(w.env)).toBe('registered');
    expect(w.log).toEqual([`register ${WORKER_URL} ./`]);
    expect(w.timers.map(([ms]) => ms)).toEqual([UPDATE_CHECK_MS]);
    w.timers[0]![1]();
    await Promise.resolve();
    expect(w.log).toContain('update');
  });

  it('registers nothing in the desktop app, on a custom scheme or where the browser offers no worker', async () => {
    for (const w of [world({ desktop: true }), world({ protocol: 'app:' }), world({ noContainer: true })]) {
      expect(await startShell(w.env)).toBe('no-worker');
      expect(w.log).toEqual([]);
    }
  });

  it('a waiting new version takes over at the start, before anything renders, and the page loads again', async () => {
    const w = world({ waiting: true });
    expect(await startShell(w.env)).toBe('switching');
    expect(w.log).toEqual(['message {"type":"SKIP_WAITING"}', `sleep ${SWITCH_TIMEOUT_MS}`, 'reload']);
  });

  it('a waiting version that does not take over leaves the till starting on the version it has', async () => {
    const w = world({ waiting: true, takesOver: false });
    expect(await startShell(w.env)).toBe('registered');
    expect(w.log).not.toContain('reload');
  });

  it('the first visit (no controller yet) does not reload', async () => {
    const w = world({ waiting: true, controlled: false });
    expect(await startShell(w.env)).toBe('registered');
    expect(w.log).not.toContain('reload');
  });
});
