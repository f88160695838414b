import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rectangle } from 'electron';
import { MIN_HEIGHT, MIN_WIDTH } from './window-options.ts';

/**
 * Where the till's window was and how big, kept in the user-data folder so it opens where the cashier left
 * it. Read back with suspicion: the file may be damaged, or the monitor it was on may be gone (a laptop
 * taken off its dock), and a window placed off every screen is a till nobody can use. Anything that does
 * not check out is dropped and the window opens at its default size, centred.
 */
export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

const FILE = 'window-state.json';
const MAX_SIDE = 16_384;
/** How much of the window's title strip must lie on a screen for the state to be used. */
const VISIBLE_MIN = 100;

export function parseWindowState(raw: unknown, displays: readonly Rectangle[]): WindowState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as { bounds?: unknown; maximized?: unknown };
  const b = o.bounds as Partial<Rectangle> | undefined;
  if (!b || typeof b !== 'object') return undefined;
  const { x, y, width, height } = b;
  const ints = [x, y, width, height];
  if (!ints.every((n) => Number.isInteger(n) && Math.abs(n as number) <= MAX_SIDE * 4)) return undefined;
  const bounds = { x: x!, y: y!, width: width!, height: height! };
  if (bounds.width < MIN_WIDTH || bounds.height < MIN_HEIGHT || bounds.width > MAX_SIDE || bounds.height > MAX_SIDE) return undefined;
  if (!displays.some((d) => titleStripVisible(bounds, d))) return undefined;
  return { bounds, maximized: o.maximized === true };
}

function titleStripVisible(w: Rectangle, d: Rectangle): boolean {
  const overlapX = Math.min(w.x + w.width, d.x + d.width) - Math.max(w.x, d.x);
  const top = w.y;
  return overlapX >= VISIBLE_MIN && top >= d.y && top <= d.y + d.height - 40;
}

export async function loadWindowState(userDataDir: string, displays: readonly Rectangle[]): Promise<WindowState | undefined> {
  const text = await readFile(join(userDataDir, FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return parseWindowState(JSON.parse(text), displays);
  } catch {
    return undefined;
  }
}

export async function saveWindowState(userDataDir: string, state: WindowState): Promise<void> {
  await mkdir(userDataDir, { recursive: true });
  const path = join(userDataDir, FILE);
  // Write then rename: a crash mid-write never leaves half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, path);
}

/** The parts of a BrowserWindow the tracker reads. */
export interface TrackedWindow {
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  isFullScreen(): boolean;
}

/**
 * Saves the window's state a moment after it stops moving, and at once when it closes. Kiosk/full-screen
 * sizes are not remembered (they are the screen's, not the cashier's choice).
 */
export function trackWindowState(win: TrackedWindow, save: (state: WindowState) => Promise<void>, delayMs = 500): () => Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const snapshot = (): WindowState | undefined => (win.isFullScreen() ? undefined : { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    const state = snapshot();
    if (state) await save(state);
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void flush().catch(() => undefined), delayMs);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(ev, later);
  win.on('close', () => void flush().catch(() => undefined));
  return flush;
}
