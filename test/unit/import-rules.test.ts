import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of the team guide are enforced by eslint.config.js. These tests lint small snippets placed
 * at virtual paths (the files need not exist) and check which rules fire, so a config change that stops a
 * rule from biting fails here.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

interface Finding {
  ruleId: string | null;
  message: string;
}

async function lint(filePath: string, code: string): Promise<Finding[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (!result) throw new Error(`no lint result for ${filePath}`);
  return result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

// The first lint loads the parsers and the config (seconds on a busy machine): done once here, so the first
// test does not spend its 5 s on it.
beforeAll(() => lint('core/warm-up.ts', 'export {};\n'), 60_000);

async function rulesFired(filePath: string, code: string): Promise<(string | null)[]> {
  return (await lint(filePath, code)).map((m) => m.ruleId);
}

describe('core/ stays pure', () => {
  it('refuses Node modules, with or without the node: prefix and including subpaths', async () => {
    expect(await rulesFired('core/x.ts', `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import fs from 'fs';\nexport const read = fs.readFileSync;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import { readFile } from 'fs/promises';\nexport const read = readFile;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import { randomBytes } from 'crypto';\nexport const r = randomBytes;\n`)).toEqual(['no-restricted-imports']);
  });

  it('refuses renderer/, sync-server/, electron/, bench/ and test/ however deep the relative path', async () => {
    expect(await rulesFired('core/x.ts', `import { App } from '../renderer/src/app.ts';\nexport const a = App;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/deep/x.ts', `import { App } from '../../renderer/src/app.ts';\nexport const a = App;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `export * from '../sync-server/hub.ts';\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `export { main } from '../electron/main.ts';\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import type { Report } from '../bench/run-all.ts';\nexport type R = Report;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import { fixture } from '../test/unit/fixtures.ts';\nexport const f = fixture;\n`)).toEqual(['no-restricted-imports']);
  });

  it('refuses Dexie, Electron, React and any npm package other than yjs and lib0', async () => {
    expect(await rulesFired('core/x.ts', `import Dexie from 'dexie';\nexport const D = Dexie;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import { useState } from 'react';\nexport const u = useState;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import { create } from 'zustand';\nexport const c = create;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import { WebsocketProvider } from 'y-websocket';\nexport const W = WebsocketProvider;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.ts', `import { describe } from 'vitest';\nexport const d = describe;\n`)).toEqual(['no-restricted-imports']);
  });

  it('catches dynamic import() and type-level import() of forbidden modules too', async () => {
    expect(await rulesFired('core/x.ts', `export const load = () => import('../renderer/src/app.ts');\n`)).toEqual(['no-restricted-syntax']);
    expect(await rulesFired('core/x.ts', `export const load = () => import('node:fs');\n`)).toEqual(['no-restricted-syntax']);
    expect(await rulesFired('core/x.ts', `export type Fs = typeof import('node:fs');\n`)).toEqual(['no-restricted-syntax']);
  });

  it('refuses platform globals, directly or through globalThis, and says to inject them through core/base/platform.ts', async () => {
    const cases: [string, string][] = [
      ['window', `export const w = window.innerWidth;\n`],
      ['document', `export const t = document.title;\n`],
      ['navigator', `export const l = navigator.language;\n`],
      ['localStorage', `export const v = localStorage.getItem('k');\n`],
      ['indexedDB', `export const db = indexedDB.open('x');\n`],
      ['process', `export const env = process.env.NODE_ENV;\n`],
      ['Buffer', `export const b = Buffer.from('x');\n`],
      ['require', `export const cache = require.cache;\n`],
      ['__dirname', `export const d = __dirname;\n`],
      ['setImmediate', `setImmediate(() => {});\n`],
    ];
    for (const [name, code] of cases) {
      const found = await lint('core/x.ts', code);
      expect(found.map((f) => f.ruleId), name).toEqual(['no-restricted-globals']);
      expect(found[0]!.message, name).toContain('inject it through core/base/platform.ts');
    }
    expect(await rulesFired('core/x.ts', `export const env = globalThis.process;\n`)).toEqual(['no-restricted-properties']);
  });

  it('keeps core tests pure too: vitest and fast-check yes, fake-indexeddb and Node no', async () => {
    const allowed = `import fc from 'fast-check';\nimport { expect, it } from 'vitest';\nimport * as Y from 'yjs';\nit('x', () => expect(fc && Y).toBeTruthy());\n`;
    expect(await rulesFired('core/x.test.ts', allowed)).toEqual([]);
    expect(await rulesFired('core/x.test.ts', `import { IDBFactory } from 'fake-indexeddb';\nexport const f = IDBFactory;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.test.ts', `import { tmpdir } from 'node:os';\nexport const t = tmpdir;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('core/x.test.ts', `export const env = process.env;\n`)).toEqual(['no-restricted-globals']);
  });

  it('allows core files, yjs, lib0 and lib0 subpaths, Intl and the injected web crypto', async () => {
    const code = [
      `import * as Y from 'yjs';`,
      `import * as encoding from 'lib0/encoding';`,
      `import { allocate } from './money.ts';`,
      `import { HybridClock } from '../core/base/hlc.ts';`,
      `export const all = [Y, encoding, allocate, HybridClock, new Intl.NumberFormat('en'), (globalThis as { crypto?: unknown }).crypto];`,
      ``,
    ].join('\n');
    expect(await lint('core/x.ts', code)).toEqual([]);
    expect(await rulesFired('core/deep/x.ts', `import { allocate } from '../money.ts';\nexport const a = allocate;\n`)).toEqual([]);
  });

  it('names the guide rule that is broken in each message', async () => {
    const found = [
      ...(await lint('core/x.ts', `import { a } from '../renderer/src/app.ts';\nimport Dexie from 'dexie';\nimport fs from 'node:fs';\nexport const x = [a, Dexie, fs, window];\n`)),
    ];
    expect(found).toHaveLength(4);
    for (const f of found) expect(f.message).toMatch(/guide rule "core\/ is pure/);
  });
});

describe('renderer/', () => {
  it('may import core and npm packages such as React and Dexie', async () => {
    const code = `import Dexie from 'dexie';\nimport { useState } from 'react';\nimport { allocate } from '../../core/base/money.ts';\nexport const all = [Dexie, useState, allocate];\n`;
    expect(await rulesFired('renderer/src/x.ts', code)).toEqual([]);
    expect(await rulesFired('renderer/src/store/x.ts', `import { allocate } from '../../../core/base/money.ts';\nexport const a = allocate;\n`)).toEqual([]);
  });

  it('may not import sync-server/, electron/, bench/ or test/', async () => {
    expect(await rulesFired('renderer/src/x.ts', `import { hub } from '../../sync-server/hub.ts';\nexport const h = hub;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('renderer/src/app/x.ts', `import { api } from '../../../electron/preload.ts';\nexport const a = api;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('renderer/src/x.ts', `import { run } from '../../bench/run-all.ts';\nexport const r = run;\n`)).toEqual(['no-restricted-imports']);
  });

  it('may use Node builtins only in its tests and build config', async () => {
    const code = `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n`;
    expect(await rulesFired('renderer/src/x.ts', code)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('renderer/src/x.test.ts', code)).toEqual([]);
    expect(await rulesFired('renderer/vite.config.ts', code)).toEqual([]);
    expect(await rulesFired('renderer/src/x.test.ts', `import { IDBFactory } from 'fake-indexeddb';\nexport const f = IDBFactory;\n`)).toEqual([]);
  });
});

describe('sync-server/ and electron/', () => {
  it('refuse renderer/ in the sync server, and electron/ too', async () => {
    expect(await rulesFired('sync-server/x.ts', `import { db } from '../renderer/src/store/db.ts';\nexport const d = db;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('sync-server/x.ts', `import { main } from '../electron/main.ts';\nexport const m = main;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('sync-server/x.ts', `export const load = () => import('../renderer/src/app.ts');\n`)).toEqual(['no-restricted-syntax']);
  });

  it('let the sync server use core, Node builtins and process', async () => {
    const code = `import { createServer } from 'node:http';\nimport { allocate } from '../core/base/money.ts';\nexport const all = [createServer, allocate, process.env.PORT];\n`;
    expect(await rulesFired('sync-server/x.ts', code)).toEqual([]);
  });

  it('refuse renderer/ in electron/', async () => {
    expect(await rulesFired('electron/x.ts', `import { App } from '../renderer/src/app.ts';\nexport const a = App;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('electron/deep/x.ts', `import { App } from '../../renderer/src/app.ts';\nexport const a = App;\n`)).toEqual(['no-restricted-imports']);
  });

  it('let electron/ use core, the sync server (the LAN hub) and Electron', async () => {
    const code = `import { app } from 'electron';\nimport { hub } from '../sync-server/hub.ts';\nimport { allocate } from '../core/base/money.ts';\nexport const all = [app, hub, allocate];\n`;
    expect(await rulesFired('electron/x.ts', code)).toEqual([]);
  });
});

describe('sync-server/ domain knows nothing of HTTP', () => {
  it('refuses sync-server/http/ in domain modules, at the root and in domain folders, naming the guide rule', async () => {
    const [finding] = await lint('sync-server/event-service.ts', `import { HttpError } from './http/router.ts';\nexport const E = HttpError;\n`);
    expect(finding?.ruleId).toBe('no-restricted-imports');
    expect(finding?.message).toContain('domain code knows nothing of HTTP');
    expect(await rulesFired('sync-server/storefront/orders.ts', `import { errorReply } from '../http/error-map.ts';\nexport const e = errorReply;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('sync-server/analytics/alert-center.ts', `import type { Reply } from '../../sync-server/http/router.ts';\nexport type R = Reply;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('sync-server/storefront/watcher.ts', `export const load = () => import('../http/router.ts');\n`)).toEqual(['no-restricted-syntax']);
  });

  it('lets the edge import it: http/ itself, server.ts, ws-transport.ts, cli.ts, and the server’s tests', async () => {
    expect(await rulesFired('sync-server/http/admin-routes.ts', `import { HttpError } from './router.ts';\nexport const E = HttpError;\n`)).toEqual([]);
    expect(await rulesFired('sync-server/server.ts', `import { Router } from './http/router.ts';\nexport const R = Router;\n`)).toEqual([]);
    expect(await rulesFired('sync-server/ws-transport.ts', `import { send } from './http/router.ts';\nexport const s = send;\n`)).toEqual([]);
    expect(await rulesFired('sync-server/cli.ts', `import { send } from './http/router.ts';\nexport const s = send;\n`)).toEqual([]);
    expect(await rulesFired('sync-server/storefront/x.test.ts', `import { errorReply } from '../http/error-map.ts';\nexport const e = errorReply;\n`)).toEqual([]);
  });

  it('does not mistake a domain folder’s own files for the edge', async () => {
    expect(await rulesFired('sync-server/storefront/orders.ts', `import { stock } from './http-cache.ts';\nimport { x } from '../storage/http.ts';\nexport const all = [stock, x];\n`)).toEqual([]);
  });
});

describe('everything else', () => {
  it('lets bench/ and test/ import anything, renderer included', async () => {
    const code = `import { db } from '../renderer/src/store/db.ts';\nimport { hub } from '../sync-server/hub.ts';\nimport { allocate } from '../core/base/money.ts';\nexport const all = [db, hub, allocate];\n`;
    expect(await rulesFired('bench/x.ts', code)).toEqual([]);
    expect(await rulesFired('test/x.ts', code)).toEqual([]);
    expect(await rulesFired('test/unit/x.test.ts', code.replaceAll('../', '../../'))).toEqual([]);
  });

  it('refuses renderer/ in files outside the named folders', async () => {
    expect(await rulesFired('playwright.config.ts', `import { App } from './renderer/src/app.ts';\nexport const a = App;\n`)).toEqual(['no-restricted-imports']);
    expect(await rulesFired('build/x.ts', `import { App } from '../renderer/src/app.ts';\nexport const a = App;\n`)).toEqual(['no-restricted-imports']);
  });

  it('reports unused variables unless they start with an underscore', async () => {
    expect(await rulesFired('core/x.ts', `export function f(_a: number, b: number): void {}\n`)).toEqual(['@typescript-eslint/no-unused-vars']);
    expect(await rulesFired('core/x.ts', `export function f(_a: number): void { const [_x] = [1]; }\n`)).toEqual([]);
  });
});
