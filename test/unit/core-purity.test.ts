import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The core runs with no DOM and no Node: core/index.ts is bundled together with yjs and lib0 and evaluated
 * in a fresh V8 context that holds only the ECMAScript globals (Intl included), and then made to do real
 * work there. The lint rules (eslint.config.js) and core/tsconfig.json check the source; this checks what
 * actually runs, dependencies included.
 */
type Core = typeof import('../../core/index.ts') & { Y: typeof import('yjs') };

const root = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = `export * from './core/index.ts';\nexport * as Y from 'yjs';\n`;

/** The globals ECMAScript (ES2023, Annex B and later editions) defines, plus Intl (ECMA-402). */
const ECMASCRIPT_GLOBALS = new Set([
  'globalThis', 'Infinity', 'NaN', 'undefined', 'eval', 'isFinite', 'isNaN', 'parseFloat', 'parseInt',
  'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape',
  'AggregateError', 'Array', 'ArrayBuffer', 'Atomics', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'Boolean',
  'DataView', 'Date', 'Error', 'EvalError', 'FinalizationRegistry', 'Float16Array', 'Float32Array', 'Float64Array',
  'Function', 'Int8Array', 'Int16Array', 'Int32Array', 'Iterator', 'JSON', 'Map', 'Math', 'Number', 'Object',
  'Promise', 'Proxy', 'RangeError', 'ReferenceError', 'Reflect', 'RegExp', 'Set', 'SharedArrayBuffer', 'String',
  'Symbol', 'SyntaxError', 'TypeError', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array',
  'URIError', 'WeakMap', 'WeakRef', 'WeakSet', 'SuppressedError', 'DisposableStack', 'AsyncDisposableStack',
  'Intl',
]);

/**
 * lib0/webcrypto (reached through yjs → lib0/random) reads the global `crypto` as soon as it is imported.
 * This stand-in reads it only when random values are asked for, so the core's own import-time needs can be
 * seen apart from that one.
 */
const lazyWebCrypto: Plugin = {
  name: 'lazy-lib0-webcrypto',
  setup(b) {
    b.onResolve({ filter: /^lib0\/webcrypto$/ }, () => ({ path: 'lib0/webcrypto', namespace: 'lazy' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: 'export const getRandomValues = (a) => crypto.getRandomValues(a);\nexport const subtle = undefined;\n',
      loader: 'js',
    }));
  },
};

async function bundle(opts: { lazyWebCrypto?: boolean } = {}) {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: root, sourcefile: 'core-purity-entry.ts', loader: 'ts' },
    absWorkingDir: root,
    bundle: true,
    format: 'iife',
    globalName: '__core',
    // Neither browser nor Node: package "exports" resolve to their platform-neutral builds.
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: opts.lazyWebCrypto ? [lazyWebCrypto] : [],
  });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

/**
 * A fresh V8 context stripped to the ECMAScript globals. (V8 also puts `console` and `WebAssembly` in every
 * context; they are not ECMAScript and go.) With `crypto`, it gets Web Crypto's getRandomValues — the one
 * platform service Yjs needs — here a seeded generator created inside the context.
 */
function bareContext(opts: { crypto?: boolean } = {}): vm.Context {
  const ctx = vm.createContext({});
  vm.runInContext(
    `for (const name of Object.getOwnPropertyNames(globalThis)) if (!${JSON.stringify([...ECMASCRIPT_GLOBALS])}.includes(name)) delete globalThis[name];`,
    ctx,
  );
  if (opts.crypto) {
    vm.runInContext(
      `(() => {
        let s = 0x9e3779b9;
        const next = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), s >>> 0);
        globalThis.crypto = { getRandomValues(a) { const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength); for (let i = 0; i < b.length; i++) b[i] = next() & 255; return a; } };
      })();`,
      ctx,
    );
  }
  return ctx;
}

const nonEcmaGlobals = (ctx: vm.Context): string[] =>
  (vm.runInContext('Object.getOwnPropertyNames(globalThis)', ctx) as string[]).filter((n) => !ECMASCRIPT_GLOBALS.has(n));

function load(code: string, ctx: vm.Context): Core {
  new vm.Script(code, { filename: 'core-bundle.js' }).runInContext(ctx);
  return vm.runInContext('__core', ctx) as Core;
}

const START = Date.UTC(2026, 10, 21, 9, 0);
const TILL = 'T1DEV0000001';

/** A server that stocks the reserve and a till that holds rights for `till:t1`. */
function shop(core: Core) {
  const owners = new Map([
    [core.RESERVE, core.SERVER_WRITER],
    [core.tillHolder('t1'), TILL],
  ]);
  const ownerOf = (h: string) => owners.get(h);
  const now = () => START;
  const view = new core.StockView();
  const server = new core.LedgerWriter(core.SERVER_WRITER, new core.HybridClock(core.SERVER_WRITER, { now }), view, ownerOf);
  const till = new core.LedgerWriter(TILL, new core.HybridClock(TILL, { now }), view, ownerOf);
  return { view, server, till, ownerOf };
}

describe('the core without DOM or Node', () => {
  it('is built only from core/, yjs and lib0', async () => {
    const { inputs } = await bundle();
    const foreign = inputs.filter(
      (p) => p !== 'core-purity-entry.ts' && !/^(core\/|node_modules\/(yjs|lib0)\/)/.test(p),
    );
    expect(foreign).toEqual([]);
    expect(inputs).toContain('core/index.ts');
  });

  it('has every module of core/ in core/index.ts, so the bundle covers all of it', () => {
    const index = readFileSync(new URL('../../core/index.ts', import.meta.url), 'utf8');
    const listed = new Set([...index.matchAll(/from '\.\/([^']+)'/g)].map((m) => m[1]));
    const modules = (readdirSync(new URL('../../core/', import.meta.url), { recursive: true }) as string[])
      .map((p) => p.replaceAll('\\', '/'))
      .filter((p) => p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts') && p !== 'index.ts');
    expect(modules.filter((m) => !listed.has(m))).toEqual([]);
  });

  it('loads with no window, document, process, require, timers, console or crypto, and sells from stock rights', async () => {
    const ctx = bareContext();
    expect(nonEcmaGlobals(ctx)).toEqual([]);
    const core = load((await bundle({ lazyWebCrypto: true })).code, ctx);

    expect(
      vm.runInContext(
        `[typeof window, typeof document, typeof navigator, typeof process, typeof require, typeof Buffer,
          typeof setTimeout, typeof structuredClone, typeof console, typeof crypto]`,
        ctx,
      ),
    ).toEqual(Array(10).fill('undefined'));

    const { view, server, till } = shop(core);
    const stock = server.batch();
    stock.receive(core.RESERVE, 'TEE', 10);
    stock.transfer(core.RESERVE, core.tillHolder('t1'), 'TEE', 4);
    stock.entries.forEach((e) => view.add(e));

    const sale = till.batch();
    sale.sale(core.tillHolder('t1'), 'TEE', 3, 's1');
    sale.entries.forEach((e) => view.add(e));
    expect(view.rights(core.tillHolder('t1'), 'TEE')).toBe(1);
    expect(() => till.batch().sale(core.tillHolder('t1'), 'TEE', 2, 's2')).toThrow(core.InsufficientRightsError);
    expect(core.conservationHolds(view, 'TEE')).toBe(true);

    // A frozen wall clock still gives strictly increasing hybrid-clock timestamps.
    const [first, second] = [...stock.entries, ...sale.entries].map((e) => e.at);
    expect(first! < second!).toBe(true);
    expect(core.parseHlc(first!).wall).toBe(START);

    // Intl is ECMAScript (ECMA-402), so money formatting works too.
    expect(core.formatMoney(1234, 'EUR')).toBe('€12.34');
    expect(core.allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);

    // The core reaches for crypto only when asked for random bytes, not before.
    expect(() => core.webCryptoRandom.bytes(4)).toThrow(/crypto|getRandomValues/);
  });

  it('writes and replicates a brand document through Yjs with only crypto.getRandomValues added', async () => {
    const ctx = bareContext({ crypto: true });
    expect(nonEcmaGlobals(ctx)).toEqual(['crypto']);
    const core = load((await bundle()).code, ctx);
    expect(vm.runInContext('[typeof window, typeof process, typeof require]', ctx)).toEqual(['undefined', 'undefined', 'undefined']);

    const { view, server, till } = shop(core);
    const brand = new core.BrandDoc(new core.Y.Doc());
    const stock = server.batch();
    stock.receive(core.RESERVE, 'TEE', 5);
    stock.transfer(core.RESERVE, core.tillHolder('t1'), 'TEE', 5);
    brand.appendEntries(stock.entries);
    stock.entries.forEach((e) => view.add(e));
    const sale = till.batch();
    sale.sale(core.tillHolder('t1'), 'TEE', 2, 's1');
    brand.appendEntries(sale.entries);
    expect(() => brand.appendEntries(sale.entries)).toThrow(core.AppendOnlyError);

    const replica = new core.BrandDoc(new core.Y.Doc());
    core.Y.applyUpdate(replica.doc, core.Y.encodeStateAsUpdate(brand.doc));
    const ledger = replica.ledger();
    expect(ledger.invalid).toEqual([]);
    expect(ledger.items.map((e) => e.id).sort()).toEqual([...stock.entries, ...sale.entries].map((e) => e.id).sort());

    const replicaView = new core.StockView();
    ledger.items.forEach((e) => replicaView.add(e));
    expect(replicaView.rights(core.tillHolder('t1'), 'TEE')).toBe(3);
    expect(replicaView.rights(core.RESERVE, 'TEE')).toBe(0);
    expect(core.conservationHolds(replicaView, 'TEE')).toBe(true);
  });
});
