import { ValidationError } from '../../core/base/errors.ts';
import { parseEmailAddress } from '../../core/customers/email-address.ts';

/**
 * The SMTP relay the server sends e-mail receipts through (docs/operations.md, "E-mail receipts"). Without
 * one, the server refuses to send (`MailNotConfigured`) and says so to the till: nothing is queued on the
 * server, the till keeps its own queue.
 */
export interface MailConfig {
  host: string;
  port: number;
  /** Implicit TLS (port 465). Otherwise the connection is upgraded with STARTTLS when the relay offers it. */
  secure: boolean;
  user?: string;
  pass?: string;
  /** The sender, `receipts@example.com` or `Popup Mall <receipts@example.com>`. */
  from: string;
}

export interface MailSettingsInput {
  host?: string | undefined;
  port?: string | undefined;
  secure?: boolean | string | undefined;
  user?: string | undefined;
  pass?: string | undefined;
  from?: string | undefined;
}

/**
 * Reads the settings from CLI flags, falling back to the environment (POPUP_SMTP_HOST, …_PORT, …_SECURE,
 * …_USER, …_PASS, …_FROM). No host: no mail (undefined). A host without a sender, or a bad port, is refused
 * with the setting's name, so a typo stops the server at start instead of at the first receipt.
 */
export function mailConfigFrom(flags: MailSettingsInput, env: Record<string, string | undefined>): MailConfig | undefined {
  const host = flags.host ?? env['POPUP_SMTP_HOST'];
  if (!host) return undefined;
  const rawSecure = flags.secure ?? env['POPUP_SMTP_SECURE'];
  const secure = rawSecure === true || rawSecure === 'true' || rawSecure === '1';
  const rawPort = flags.port ?? env['POPUP_SMTP_PORT'] ?? (secure ? '465' : '587');
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ValidationError('smtp-port', `must be a port number (1–65535), got "${rawPort}"`);
  const from = flags.from ?? env['POPUP_SMTP_FROM'];
  if (!from) throw new ValidationError('smtp-from', 'is required with --smtp-host: the address receipts are sent from');
  // "Name <address>" or a bare address; the address part must be one valid address.
  const bare = /<([^>]*)>\s*$/.exec(from)?.[1] ?? from;
  try {
    parseEmailAddress(bare);
  } catch (err) {
    throw new ValidationError('smtp-from', (err as Error).message.replace(/^to: /, ''));
  }
  const user = flags.user ?? env['POPUP_SMTP_USER'];
  const pass = flags.pass ?? env['POPUP_SMTP_PASS'];
  if (pass && !user) throw new ValidationError('smtp-user', 'is required when a password is set');
  return { host, port, secure, from, ...(user ? { user } : {}), ...(pass ? { pass } : {}) };
}
