import { useEffect, useState } from 'react';
import { ev, useConsole } from './console-store.ts';

/** A token as the server lists it (docs/api.md, "Tokens"): never the token itself, only an id. */
export interface TokenRow {
  id: string;
  role: string;
  label: string;
  tillId?: string;
  deviceId?: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  revokedReason?: string;
  lastUsedAt?: number;
}

/** The open event's tokens, re-read every 30 s (last-used times change on the server) and on `reload`. */
export function useTokens(refreshMs = 30_000): { tokens: TokenRow[]; reload: () => void } {
  const api = useConsole((s) => s.api);
  const eventId = useConsole((s) => s.eventId);
  const [tokens, setTokens] = useState<TokenRow[]>([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!api || !eventId) return;
    let live = true;
    const load = () =>
      api
        .get<{ tokens: TokenRow[] }>(ev('/tokens'))
        .then((r) => live && setTokens(r.tokens))
        .catch(() => undefined);
    void load();
    const t = setInterval(() => void load(), refreshMs);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, eventId, refreshMs, tick]);
  return { tokens, reload: () => setTick((t) => t + 1) };
}
