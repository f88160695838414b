/**
 * How the desktop app was asked to run. Kiosk mode (full screen, no window frame: a touch till the cashier
 * cannot leave by accident) is chosen per machine by whoever sets it up: `--kiosk` on the command line
 * (a desktop shortcut), or POPUP_KIOSK=1 in its environment. Default off.
 */
export interface LaunchOptions {
  kiosk: boolean;
}

export function parseLaunchOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LaunchOptions {
  const flag = argv.includes('--kiosk');
  const fromEnv = env['POPUP_KIOSK'];
  const envOn = fromEnv === '1' || fromEnv?.toLowerCase() === 'true';
  return { kiosk: flag || envOn };
}
