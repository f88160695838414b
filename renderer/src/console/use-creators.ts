import { usePolledList } from './use-polled.ts';

export interface CreatorRow {
  code: string;
  name: string;
  url?: string;
  link: string;
  clicks: number;
}

/** The event's creators with their link clicks, re-read every 15 s (clicks are counted on the server). */
export function useCreators(refreshMs = 15_000): { creators: CreatorRow[]; reload: () => void } {
  const { items, reload } = usePolledList<CreatorRow>('/creators', 'creators', refreshMs);
  return { creators: items, reload };
}
