import { usePolledList } from './use-polled.ts';

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
  const { items, reload } = usePolledList<TokenRow>('/tokens', 'tokens', refreshMs);
  return { tokens: items, reload };
}
