import { createRoot } from 'react-dom/client';
import { productLabel } from '../../core/catalog/catalog.ts';
import { App } from '../../renderer/src/app/App.tsx';
import { loadShift, startShift, useDay } from '../../renderer/src/app/day-store.ts';
import { newSale, startPos, usePos } from '../../renderer/src/app/pos-store.ts';
import '../../renderer/src/styles.css';
import { seededRandom } from '../stats.ts';
import { LINES_PER_CART, type ScanResult } from './api.ts';
import { barcodeOf, PRODUCTS_PER_BRAND } from './till-seed.ts';

/**
 * Scan to cart on the real till UI: the App rendered on the seeded 20k-product, 100k-entry database, a shift
 * open, and a USB scanner's keystrokes (13 digits then Enter, dispatched as keydown events on the page, as
 * the scanner's keyboard would) until the product's line is in the cart's DOM and laid out.
 */
export async function scanToCart(dbName: string, scans: number): Promise<ScanResult> {
  await startPos({ dbName });
  if (usePos.getState().phase !== 'sell') throw new Error(`the till did not open to sell: ${usePos.getState().message?.text ?? usePos.getState().phase}`);
  await loadShift();
  if (!useDay.getState().shift) await startShift('0');
  const root = document.createElement('div');
  document.body.append(root);
  createRoot(root).render(<App />);
  const cart = await waitFor(() => document.querySelector<HTMLElement>('section[aria-label="Cart"]'));
  const store = usePos.getState().store!;

  const random = seededRandom(4);
  const toDom: number[] = [];
  const toFrame: number[] = [];
  for (let i = 0; i < scans; i++) {
    if (i % LINES_PER_CART === 0) {
      newSale();
      await nextFrame();
    }
    const brand = i % 2;
    const code = barcodeOf(brand, Math.floor(random() * PRODUCTS_PER_BRAND));
    const product = store.byBarcode(code);
    if (!product) throw new Error(`seeded code ${code} is not in the catalog`);
    const label = productLabel(product);
    const before = cart.querySelectorAll('.lines li').length;
    const seen = lineAppears(cart, label, before);
    const t0 = performance.now();
    for (const key of [...code, 'Enter']) document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
    await seen;
    // Rendered: in the DOM and laid out (reading a size forces style and layout now).
    void cart.getBoundingClientRect().height;
    toDom.push(performance.now() - t0);
    await nextFrame();
    toFrame.push(performance.now() - t0);
  }
  return { toDom, toFrame, products: store.allProducts().length };
}

/** Resolves once the cart shows one more line and the product's label (a repeat scan would add a unit instead). */
function lineAppears(cart: HTMLElement, label: string, before: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => cart.querySelectorAll('.lines li').length > before && cart.textContent!.includes(label);
    const observer = new MutationObserver(() => {
      if (!done()) return;
      observer.disconnect();
      clearTimeout(timer);
      resolve();
    });
    observer.observe(cart, { childList: true, subtree: true, characterData: true });
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error(`${label} never appeared in the cart: ${document.querySelector('[role=alert]')?.textContent ?? 'no message'}`));
    }, 5000);
  });
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function waitFor<T>(find: () => T | null, ms = 10_000): Promise<T> {
  const until = performance.now() + ms;
  for (;;) {
    const found = find();
    if (found) return found;
    if (performance.now() > until) throw new Error('the till never showed its cart');
    await new Promise((r) => setTimeout(r, 20));
  }
}
