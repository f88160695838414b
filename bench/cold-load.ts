import { readFileSync } from 'node:fs';
import * as Y from 'yjs';

/**
 * One cold load, in its own process so no JIT warm-up or cached structure from the writer helps: a new
 * Y.Doc, apply the stored state, read the ledger's size. Prints the time in ms as JSON. Module loading and
 * the file read are outside the timed part (a till has the bytes from IndexedDB by then).
 * Usage: tsx bench/cold-load.ts <state file> v1|v2
 */
const [file, encoding] = process.argv.slice(2);
if (!file || (encoding !== 'v1' && encoding !== 'v2')) throw new Error('usage: cold-load.ts <state file> v1|v2');
const state = readFileSync(file);
const t0 = performance.now();
const doc = new Y.Doc();
if (encoding === 'v2') Y.applyUpdateV2(doc, state);
else Y.applyUpdate(doc, state);
const size = doc.getMap('ledger').size;
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, size }));
