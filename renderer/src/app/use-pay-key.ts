import { useEffect } from 'react';

/**
 * F2 takes payment from anywhere on the sell screen, so a cashier with a keyboard and a scanner never needs
 * the mouse: scan, F2, type the cash handed over, Enter to complete, Enter for the next sale. (A function
 * key, since a scanner types digits and letters and Enter.)
 */
export const PAY_KEY = 'F2';

export function usePayKey(enabled: boolean, pay: () => void): void {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key !== PAY_KEY || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      ev.preventDefault();
      pay();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled, pay]);
}
