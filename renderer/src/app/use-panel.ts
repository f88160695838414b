import { useEffect, useRef, type DependencyList, type RefObject } from 'react';

/**
 * A till's side panel (online orders, live Q&A): focus moves into it when it opens, so a keyboard user is
 * in it at once, and Escape closes it from anywhere on the page.
 */
export function usePanelDialog(onClose: () => void): RefObject<HTMLDivElement | null> {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    dialog.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return dialog;
}

/** Runs `refresh` now and every `ms` while mounted, and again from the start when a dependency changes. */
export function usePolling(refresh: () => Promise<void>, ms: number, deps: DependencyList = []): void {
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), ms);
    return () => clearInterval(timer);
  }, [refresh, ms, ...deps]); // `deps`: the caller's extra reasons to restart the polling
}
