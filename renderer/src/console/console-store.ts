import { create } from 'zustand';
import { Api, ApiError, eventPath, normaliseServerUrl } from './api.ts';
import { EventDocs } from './event-docs.ts';

/**
 * The organiser console's state: who is signed in (server + token + role), which event is open, its live
 * documents, the tab shown and the last message. The token is kept in this browser's local storage so a
 * reload does not sign the organiser out; "Sign out" forgets it.
 */
export type Role = 'admin' | 'organiser';
export const TABS = ['dashboard', 'stock', 'orders', 'drop', 'alerts', 'settlement', 'analytics', 'setup'] as const;
export type Tab = (typeof TABS)[number];

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
  details?: readonly string[];
}

interface ConsoleState {
  api: Api | undefined;
  role: Role | undefined;
  /** An organiser token is bound to one event; an admin picks one. */
  boundEventId: string | undefined;
  eventId: string | undefined;
  docs: EventDocs | undefined;
  /** Bumped when the live documents change: components re-derive from `docs.state()`. */
  version: number;
  tab: Tab;
  flash: Flash | undefined;
  busy: boolean;
}

const STORAGE_KEY = 'popup-console-session';

export const useConsole = create<ConsoleState>(() => ({
  api: undefined,
  role: undefined,
  boundEventId: undefined,
  eventId: undefined,
  docs: undefined,
  version: 0,
  tab: 'dashboard',
  flash: undefined,
  busy: false,
}));

const set = useConsole.setState;
const get = useConsole.getState;

export function say(kind: Flash['kind'], text: string, details?: readonly string[]): void {
  set({ flash: { kind, text, ...(details ? { details } : {}) } });
}

export function explain(err: unknown): void {
  if (err instanceof ApiError) say('error', err.message, err.errors.map((e) => e.message));
  else say('error', err instanceof Error ? err.message : String(err));
}

/** Runs an API action with the busy flag and a message either way; returns its result or undefined. */
export async function act<T>(what: () => Promise<T>, done?: string): Promise<T | undefined> {
  set({ busy: true });
  try {
    const result = await what();
    if (done) say('ok', done);
    return result;
  } catch (err) {
    explain(err);
    return undefined;
  } finally {
    set({ busy: false });
  }
}

export async function signIn(serverUrl: string, token: string, remember = true): Promise<boolean> {
  let api: Api;
  try {
    api = new Api({ serverUrl: normaliseServerUrl(serverUrl), token: token.trim() });
  } catch (err) {
    explain(err);
    return false;
  }
  const session = await act(() => api.get<{ role: string; eventId?: string }>('/api/session'));
  if (!session) return false;
  if (session.role !== 'admin' && session.role !== 'organiser') {
    say('error', `This is a ${session.role} token: the console needs an organiser or admin token`);
    return false;
  }
  if (remember) localStorage.setItem(STORAGE_KEY, JSON.stringify(api.session));
  set({ api, role: session.role, boundEventId: session.eventId, flash: undefined });
  if (session.eventId) openEvent(session.eventId);
  return true;
}

export async function resumeSession(): Promise<void> {
  const raw = localStorage.getItem(STORAGE_KEY);
  if (!raw) return;
  try {
    const s = JSON.parse(raw) as { serverUrl: string; token: string };
    if (!(await signIn(s.serverUrl, s.token))) localStorage.removeItem(STORAGE_KEY);
  } catch {
    localStorage.removeItem(STORAGE_KEY);
  }
}

export function signOut(): void {
  get().docs?.close();
  localStorage.removeItem(STORAGE_KEY);
  set({ api: undefined, role: undefined, boundEventId: undefined, eventId: undefined, docs: undefined, flash: undefined, tab: 'dashboard' });
}

export function openEvent(eventId: string): void {
  const { api, docs } = get();
  if (!api) return;
  docs?.close();
  const next = new EventDocs({ syncUrl: api.syncUrl(), token: api.session.token, eventId });
  next.onChange(() => set((s) => ({ version: s.version + 1 })));
  set({ eventId, docs: next, tab: 'dashboard', flash: undefined });
}

export function closeEvent(): void {
  get().docs?.close();
  set({ eventId: undefined, docs: undefined });
}

export function showTab(tab: Tab): void {
  set({ tab, flash: undefined });
}

/** The open event's API path, e.g. `ev('/stock/receive')`. */
export function ev(rest = ''): string {
  const id = get().eventId;
  if (!id) throw new Error('no event is open');
  return eventPath(id, rest);
}

/** Re-renders on document changes and returns the live event state. */
export function useEventState() {
  useConsole((s) => s.version);
  const docs = useConsole((s) => s.docs);
  return docs?.state();
}
