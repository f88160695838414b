import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWindowState, parseWindowState, saveWindowState } from './window-state.ts';

const screen = { x: 0, y: 0, width: 1920, height: 1080 };

describe('the remembered window state', () => {
  it('comes back as saved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'popup-ws-'));
    try {
      await saveWindowState(dir, { bounds: { x: 100, y: 50, width: 1280, height: 800 }, maximized: true });
      expect(await loadWindowState(dir, [screen])).toEqual({ bounds: { x: 100, y: 50, width: 1280, height: 800 }, maximized: true });
      await writeFile(join(dir, 'window-state.json'), '{not json');
      expect(await loadWindowState(dir, [screen])).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is dropped when it would put the window off every screen (a monitor that is gone)', () => {
    expect(parseWindowState({ bounds: { x: 2500, y: 100, width: 1280, height: 800 } }, [screen])).toBeUndefined();
    expect(parseWindowState({ bounds: { x: 100, y: -500, width: 1280, height: 800 } }, [screen])).toBeUndefined();
    expect(parseWindowState({ bounds: { x: 2500, y: 100, width: 1280, height: 800 } }, [screen, { x: 1920, y: 0, width: 1920, height: 1080 }])).toBeDefined();
  });

  it('is dropped when damaged: wrong types, too small, absurd sizes', () => {
    for (const raw of [null, 'x', { bounds: null }, { bounds: { x: '1', y: 0, width: 1280, height: 800 } }, { bounds: { x: 0, y: 0, width: 300, height: 200 } }, { bounds: { x: 0, y: 0, width: 1e9, height: 800 } }, { bounds: { x: 0.5, y: 0, width: 1280, height: 800 } }]) {
      expect(parseWindowState(raw, [screen]), JSON.stringify(raw)).toBeUndefined();
    }
  });
});

describe('tracking the window', () => {
  it('saves the normal bounds once the window stops moving, at once on close, and never a full-screen size', async () => {
    const listeners = new Map<string, () => void>();
    let fullScreen = false;
    const win = {
      on: (ev: string, fn: () => void) => void listeners.set(ev, fn),
      getNormalBounds: () => ({ x: 40, y: 30, width: 1300, height: 820 }),
      isMaximized: () => false,
      isFullScreen: () => fullScreen,
    };
    const saved: unknown[] = [];
    const { trackWindowState } = await import('./window-state.ts');
    trackWindowState(win, async (s) => void saved.push(s), 20);
    listeners.get('move')!();
    listeners.get('resize')!();
    expect(saved).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(saved).toEqual([{ bounds: { x: 40, y: 30, width: 1300, height: 820 }, maximized: false }]);
    fullScreen = true;
    listeners.get('close')!();
    await new Promise((r) => setTimeout(r, 10));
    expect(saved).toHaveLength(1);
  });
});
