import { describe, expect, it } from 'vitest';
import { LEGACY_PIN_ITERATIONS, PIN_ITERATIONS, PinGate, PinLockedError, WrongPinError, needsRehash, newStaffMember, parsePinHash, parseStaffMember, verifyPin, type PinHasher, type StaffMember } from './staff.ts';

/** A stand-in hasher with the same contract (salted, deterministic); the till uses PBKDF2. */
const hasher: PinHasher = {
  hash: async (pin, salt) => [...`${salt}:${pin}`].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('').padEnd(64, '0').slice(0, 64),
};

async function member(id: string, role: StaffMember['role'], pin: string): Promise<StaffMember> {
  const pinSalt = `${id}00000000000000`.slice(0, 16).replace(/[^0-9a-f]/g, 'a');
  return parseStaffMember({ id, name: id, role, pinSalt, pinHash: await hasher.hash(pin, pinSalt) });
}

describe('PIN sign-in', () => {
  it('finds the person by PIN and can insist on a manager', async () => {
    const staff = [await member('ana', 'cashier', '1234'), await member('mia', 'manager', '9999')];
    const gate = new PinGate(hasher, () => 0);
    expect((await gate.signIn(staff, '1234')).id).toBe('ana');
    expect((await gate.signIn(staff, '9999', { role: 'manager' })).id).toBe('mia');
    await expect(gate.signIn(staff, '1234', { role: 'manager' })).rejects.toThrow(/not a manager/);
  });

  it('locks the till for a minute after three wrong PINs, then lets the right one in', async () => {
    let now = 0;
    const staff = [await member('ana', 'cashier', '1234')];
    const gate = new PinGate(hasher, () => now);
    await expect(gate.signIn(staff, '0000')).rejects.toThrow(WrongPinError);
    await expect(gate.signIn(staff, '1111')).rejects.toThrow(WrongPinError);
    await expect(gate.signIn(staff, '2222')).rejects.toThrow(/locked for 60 s/);
    await expect(gate.signIn(staff, '1234')).rejects.toThrow(PinLockedError);
    now += 60_001;
    expect((await gate.signIn(staff, '1234')).id).toBe('ana');
  });

  it('refuses a PIN that is not 4 to 8 digits without counting it', async () => {
    const gate = new PinGate(hasher, () => 0);
    await expect(gate.signIn([], '12a4')).rejects.toThrow(/4 to 8 digits/);
  });
});

describe('the till’s PIN hash', () => {
  it('is PBKDF2-SHA-256 through Web Crypto: salted, deterministic, and different per salt', async () => {
    const { webCryptoPinHasher } = await import('../base/platform.ts');
    const a = await webCryptoPinHasher.hash('1234', '00112233445566778899aabbccddeeff');
    // Known answer, from Node's crypto.pbkdf2Sync('1234', salt, 100000, 32, 'sha256').
    expect(a).toBe('d7eb973c765dbd5bc56c68688684a18d9d1dfb52c4fbb44d128851477cf7246b');
    expect(await webCryptoPinHasher.hash('1234', '00112233445566778899aabbccddeeff')).toBe(a);
    expect(await webCryptoPinHasher.hash('1234', 'ffeeddccbbaa99887766554433221100')).not.toBe(a);
    expect(await webCryptoPinHasher.hash('1235', '00112233445566778899aabbccddeeff')).not.toBe(a);
  });
});

describe('the PIN hash format', () => {
  const salt = '00112233445566778899aabbccddeeff';
  const legacy = 'd7eb973c765dbd5bc56c68688684a18d9d1dfb52c4fbb44d128851477cf7246b';

  it('names its KDF and cost, and a new hash uses PBKDF2-SHA-256 at 600 000 iterations', async () => {
    const { webCryptoPinHasher } = await import('../base/platform.ts');
    const member = await newStaffMember({ id: 'zoe', name: 'Zoé', role: 'manager', pin: '482913' }, webCryptoPinHasher, { bytes: (n) => new Uint8Array(n).fill(7) });
    expect(member.pinHash).toMatch(/^pbkdf2-sha256\$600000\$[0-9a-f]{64}$/);
    expect(parsePinHash(member.pinHash)).toMatchObject({ kdf: 'pbkdf2-sha256', iterations: PIN_ITERATIONS });
    expect(needsRehash(member)).toBe(false);
    expect(await verifyPin(webCryptoPinHasher, member, '482913')).toBe(true);
    expect(await verifyPin(webCryptoPinHasher, member, '482914')).toBe(false);
  });

  it('still verifies a hash of the first format (bare hex: 100 000 iterations) and marks it for upgrade', async () => {
    const { webCryptoPinHasher } = await import('../base/platform.ts');
    const old = parseStaffMember({ id: 'ana', name: 'Ana', role: 'cashier', pinSalt: salt, pinHash: legacy });
    expect(parsePinHash(old.pinHash)).toEqual({ kdf: 'pbkdf2-sha256', iterations: LEGACY_PIN_ITERATIONS, hex: legacy });
    expect(needsRehash(old)).toBe(true);
    expect((await new PinGate(webCryptoPinHasher, () => 0).signIn([old], '1234')).id).toBe('ana');
  });

  it('refuses an unknown KDF or a cost below the first format’s, naming the field', () => {
    for (const pinHash of [`md5$1$${legacy}`, `pbkdf2-sha256$1000$${legacy}`, 'pbkdf2-sha256$600000$abc']) {
      expect(() => parseStaffMember({ id: 'ana', name: 'Ana', role: 'cashier', pinSalt: salt, pinHash })).toThrow(/^pinHash: /);
    }
  });
});
