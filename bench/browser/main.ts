// Taken first, so `moduleStart` is when the bundle began to run (imports are bundled, so already evaluated).
const moduleStart = performance.now();

import type { BenchWindow } from './api.ts';
import { saleCommit } from './sale-commit.ts';
import { compactTill, seedTill } from './till-seed.ts';
import { profileStart, startTill } from './till-start.ts';
import { scanToCart } from './scan-to-cart.tsx';

/**
 * The benchmark page. Functions Playwright calls live on `window.bench`; a till start runs on its own as the
 * page loads (?start=<db>), so it is timed from navigation start like a real till's.
 */
const w = window as unknown as BenchWindow;
w.bench = { saleCommit, seedTill, compactTill };
const params = new URLSearchParams(location.search);
const startDb = params.get('start');
if (startDb) w.benchStart = startTill(startDb, moduleStart);
const profileDb = params.get('profile');
if (profileDb) w.benchProfile = profileStart(profileDb);
const scanDb = params.get('scan');
if (scanDb) w.benchScan = scanToCart(scanDb, Number(params.get('n') ?? 200));
