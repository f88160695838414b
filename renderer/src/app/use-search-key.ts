import { useEffect, type RefObject } from 'react';

/**
 * The product search, one keystroke away: "/" (the web's convention) or F3 (find) from anywhere on the sell screen (F2 is pay: app/use-pay-key.ts)
 * focuses and selects the search field. Not while the cashier types in another field, and "/" not inside a
 * scanner's burst of keys (a SKU may hold "/"; a scanner types a key every few milliseconds, a person does not).
 */
const SCANNER_GAP_MS = 40;

export function useSearchKey(input: RefObject<HTMLInputElement | null>, enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    let last = 0;
    const onKey = (ev: KeyboardEvent) => {
      const now = performance.now();
      const gap = now - last;
      last = now;
      const target = ev.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable)) return;
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === 'F3' || (ev.key === '/' && gap > SCANNER_GAP_MS)) {
        ev.preventDefault();
        // The scanner hook must not keep the "/" for a code it is collecting.
        ev.stopImmediatePropagation();
        input.current?.focus();
        input.current?.select();
      }
    };
    // Capture: run before the scanner's listener on window.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [input, enabled]);
}
