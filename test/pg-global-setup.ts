import type { TestProject } from 'vitest/node';
import { startEmbeddedPg } from './support/embedded-pg.ts';
// The `pgUrl` entry of vitest's ProvidedContext is declared in sync-server/storage/pg-test-support.ts.

/**
 * Vitest global set-up: the PostgreSQL server the PostgreSQL store's tests run against. `POPUP_TEST_PG_URL`
 * names an existing server (its role must be allowed to CREATE DATABASE); without it a throwaway embedded
 * server is started for the run and torn down after it. Never skipped: the tests read the URL with
 * `inject('pgUrl')` (sync-server/storage/pg-test-support.ts) and each test file makes its own database.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.POPUP_TEST_PG_URL;
  if (given) {
    project.provide('pgUrl', given);
    return undefined;
  }
  const pg = await startEmbeddedPg();
  project.provide('pgUrl', pg.url);
  return () => pg.stop();
}
