import { useEffect, useState } from 'react';
import { ev, useConsole } from './console-store.ts';

export interface CreatorRow {
  code: string;
  name: string;
  url?: string;
  link: string;
  clicks: number;
}

/** The event's creators with their link clicks, re-read every 15 s (clicks are counted on the server). */
export function useCreators(refreshMs = 15_000): { creators: CreatorRow[]; reload: () => void } {
  const api = useConsole((s) => s.api);
  const eventId = useConsole((s) => s.eventId);
  const [creators, setCreators] = useState<CreatorRow[]>([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!api || !eventId) return;
    let live = true;
    const load = () =>
      api
        .get<{ creators: CreatorRow[] }>(ev('/creators'))
        .then((r) => live && setCreators(r.creators))
        .catch(() => undefined);
    void load();
    const t = setInterval(() => void load(), refreshMs);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, eventId, refreshMs, tick]);
  return { creators, reload: () => setTick((t) => t + 1) };
}
