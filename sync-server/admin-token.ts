import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newToken } from './auth.ts';

/**
 * The admin token: `POPUP_ADMIN_TOKEN` if set; otherwise made on first start, written to
 * `<data>/admin-token` (readable by this user only) and reported once as `created`, for the CLI to print.
 */
export async function adminToken(dataDir: string, env: string | undefined): Promise<{ token: string; created: boolean }> {
  if (env && env.length >= 16) return { token: env, created: false };
  if (env) throw new Error('POPUP_ADMIN_TOKEN must be at least 16 characters');
  const path = join(dataDir, 'admin-token');
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing?.trim()) return { token: existing.trim(), created: false };
  const token = newToken();
  await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, created: true };
}
