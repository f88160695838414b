import { useEffect } from 'react';

/**
 * Function keys for parked sales, beside F2 (pay, app/use-pay-key.ts): F4 parks the cart in progress, F8
 * opens the parked sales. Function keys because a scanner types digits, letters and Enter; F3, F5, F6 and F7
 * are the browser's own (find, reload, address bar, caret browsing).
 */
export const PARK_KEY = 'F4';
export const PARKED_LIST_KEY = 'F8';

export function useFunctionKey(key: string, enabled: boolean, action: () => void): void {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key !== key || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      ev.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [key, enabled, action]);
}
