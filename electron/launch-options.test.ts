import { describe, expect, it } from 'vitest';
import { parseLaunchOptions } from './launch-options.ts';

describe('launch options', () => {
  it('turn kiosk mode on with --kiosk or POPUP_KIOSK, and off by default', () => {
    expect(parseLaunchOptions(['electron', 'main.cjs'], {})).toEqual({ kiosk: false });
    expect(parseLaunchOptions(['electron', 'main.cjs', '--kiosk'], {}).kiosk).toBe(true);
    expect(parseLaunchOptions([], { POPUP_KIOSK: '1' }).kiosk).toBe(true);
    expect(parseLaunchOptions([], { POPUP_KIOSK: 'TRUE' }).kiosk).toBe(true);
    expect(parseLaunchOptions([], { POPUP_KIOSK: '0' }).kiosk).toBe(false);
    expect(parseLaunchOptions(['--kiosk-printing'], {}).kiosk).toBe(false);
  });

  it('take a user-data folder from POPUP_USER_DATA_DIR', () => {
    expect(parseLaunchOptions([], { POPUP_USER_DATA_DIR: '/media/usb/till' })).toEqual({ kiosk: false, userDataDir: '/media/usb/till' });
    expect(parseLaunchOptions([], { POPUP_USER_DATA_DIR: '  ' })).toEqual({ kiosk: false });
  });
});
