import { useEffect, useState } from 'react';
import { ev, useConsole } from './console-store.ts';

/**
 * A list the server keeps changing (click counts, last-used times), read from the open event's `path`,
 * re-read every `refreshMs` and on `reload`. A failed read keeps the last list: the console shows what it
 * had rather than an empty table while the network blinks.
 */
export function usePolledList<T>(path: string, field: string, refreshMs: number): { items: T[]; reload: () => void } {
  const api = useConsole((s) => s.api);
  const eventId = useConsole((s) => s.eventId);
  const [items, setItems] = useState<T[]>([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!api || !eventId) return;
    let live = true;
    const load = () =>
      api
        .get<Record<string, T[]>>(ev(path))
        .then((r) => live && setItems(r[field] ?? []))
        .catch(() => undefined);
    void load();
    const t = setInterval(() => void load(), refreshMs);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, eventId, path, field, refreshMs, tick]);
  return { items, reload: () => setTick((t) => t + 1) };
}
