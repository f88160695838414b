import { useEffect } from 'react';

/**
 * A USB barcode scanner is a keyboard that types a code and Enter within a few milliseconds. Keys typed
 * anywhere outside a text field are collected; Enter hands the code over. A pause longer than a scanner's
 * (or a person typing a code by hand) would make starts a new code.
 */
const IDLE_RESET_MS = 400;

export function useScanner(onCode: (code: string) => void): void {
  useEffect(() => {
    let buffer = '';
    let last = 0;
    const onKey = (ev: KeyboardEvent) => {
      const target = ev.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const now = performance.now();
      if (now - last > IDLE_RESET_MS) buffer = '';
      last = now;
      if (ev.key === 'Enter') {
        if (buffer.length >= 3) {
          ev.preventDefault();
          onCode(buffer);
        }
        buffer = '';
      } else if (ev.key.length === 1) {
        buffer += ev.key;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCode]);
}
