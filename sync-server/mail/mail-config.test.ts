import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/base/errors.ts';
import { mailConfigFrom } from './mail-config.ts';

describe('mailConfigFrom (CLI flags over POPUP_SMTP_* variables)', () => {
  it('is off without a host', () => {
    expect(mailConfigFrom({}, {})).toBeUndefined();
  });

  it('reads the environment, flags winning', () => {
    const env = { POPUP_SMTP_HOST: 'smtp.example.com', POPUP_SMTP_USER: 'u', POPUP_SMTP_PASS: 'p', POPUP_SMTP_FROM: 'Mall <r@example.com>' };
    expect(mailConfigFrom({ port: '2525' }, env)).toEqual({ host: 'smtp.example.com', port: 2525, secure: false, user: 'u', pass: 'p', from: 'Mall <r@example.com>' });
    expect(mailConfigFrom({ secure: true }, env)?.port).toBe(465);
  });

  it.each([
    [{ host: 'h' }, 'smtp-from: is required'],
    [{ host: 'h', from: 'r@example.com', port: '99999' }, 'smtp-port: must be a port number'],
    [{ host: 'h', from: 'not an address' }, 'smtp-from:'],
    [{ host: 'h', from: 'r@example.com', pass: 'p' }, 'smtp-user: is required'],
  ])('refuses %j naming the setting', (flags, why) => {
    expect(() => mailConfigFrom(flags, {})).toThrow(ValidationError);
    expect(() => mailConfigFrom(flags, {})).toThrow(why);
  });
});
