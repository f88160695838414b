import { describe, expect, it } from 'vitest';
import { guardContents, guardSession, isAllowedNavigation, isAllowedPermission } from './navigation-guard.ts';
import { mainWindowOptions, printWindowOptions, secureWebPreferences } from './window-options.ts';

describe('window options', () => {
  it('give the till window context isolation, the sandbox and no Node, with the preload', () => {
    const o = mainWindowOptions({ preload: '/app/dist-electron/preload.cjs' });
    expect(o.webPreferences).toMatchObject({ preload: '/app/dist-electron/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
    expect(o.kiosk).toBe(false);
    expect(o.show).toBe(false);
  });

  it('carry the same security settings in kiosk mode and on the hidden print window, which also has no script and no preload', () => {
    const kiosk = mainWindowOptions({ preload: 'p', kiosk: true });
    expect(kiosk.kiosk).toBe(true);
    expect(kiosk.fullscreen).toBe(true);
    expect(kiosk.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    const print = printWindowOptions();
    expect(print.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, javascript: false });
    expect(print.webPreferences?.preload).toBeUndefined();
    expect(print.show).toBe(false);
  });

  it('use remembered bounds when given', () => {
    expect(mainWindowOptions({ preload: 'p', bounds: { x: 10, y: 20, width: 1300, height: 900 } })).toMatchObject({ x: 10, y: 20, width: 1300, height: 900 });
    expect(secureWebPreferences().preload).toBeUndefined();
  });
});

describe('the navigation guard', () => {
  it('allows only the app’s own origin', () => {
    expect(isAllowedNavigation('app://popup/index.html')).toBe(true);
    expect(isAllowedNavigation('app://popup/')).toBe(true);
    for (const url of ['https://evil.example/', 'http://127.0.0.1:8787/', 'file:///etc/passwd', 'app://other/index.html', 'app://popup@evil.example/', 'app://user:pw@popup/', 'javascript:alert(1)', 'data:text/html,hi', 'not a url', '']) {
      expect(isAllowedNavigation(url), url).toBe(false);
    }
  });

  function fakeContents() {
    const listeners = new Map<string, (...args: unknown[]) => void>();
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (ev: string, fn: (...args: unknown[]) => void) => void listeners.set(ev, fn),
      setWindowOpenHandler: (fn: (d: { url: string }) => { action: string }) => void (openHandler = fn),
    };
    const logged: string[] = [];
    guardContents(contents as never, (m, f) => logged.push(`${m} ${JSON.stringify(f)}`));
    const fire = (ev: string, ...args: unknown[]) => {
      let prevented = false;
      const event = { preventDefault: () => (prevented = true), url: args[0] };
      listeners.get(ev)!(event, ...args);
      return prevented;
    };
    return { fire, open: (url: string) => openHandler!({ url }), logged };
  }

  it('refuses navigation and redirects away from the app, and lets the app reload itself', () => {
    const c = fakeContents();
    expect(c.fire('will-navigate', 'https://evil.example/phish')).toBe(true);
    expect(c.fire('will-redirect', 'http://192.168.1.9/')).toBe(true);
    expect(c.fire('will-frame-navigate', 'file:///etc/passwd')).toBe(true);
    expect(c.fire('will-navigate', 'app://popup/index.html')).toBe(false);
    expect(c.logged.filter((l) => l.startsWith('refused'))).toHaveLength(3);
  });

  it('refuses every new window and every webview', () => {
    const c = fakeContents();
    expect(c.open('https://example.com/')).toEqual({ action: 'deny' });
    expect(c.open('app://popup/index.html')).toEqual({ action: 'deny' });
    expect(c.fire('will-attach-webview')).toBe(true);
  });

  it('grants only the listed permissions, and only to the app', () => {
    let request: ((c: null, p: string, cb: (g: boolean) => void, d: { requestingUrl?: string }) => void) | undefined;
    let check: ((c: null, p: string, origin: string) => boolean) | undefined;
    guardSession({ setPermissionRequestHandler: (fn: never) => void (request = fn), setPermissionCheckHandler: (fn: never) => void (check = fn) } as never, () => undefined);
    const ask = (permission: string, url: string) => {
      let granted: boolean | undefined;
      request!(null, permission, (g) => (granted = g), { requestingUrl: url });
      return granted;
    };
    expect(ask('persistent-storage', 'app://popup/index.html')).toBe(true);
    expect(ask('clipboard-sanitized-write', 'app://popup/index.html')).toBe(true);
    for (const p of ['media', 'geolocation', 'notifications', 'usb', 'serial', 'hid', 'openExternal', 'clipboard-read', 'display-capture']) expect(ask(p, 'app://popup/index.html'), p).toBe(false);
    expect(ask('persistent-storage', 'https://evil.example/')).toBe(false);
    expect(check!(null, 'persistent-storage', 'app://popup')).toBe(true);
    expect(check!(null, 'media', 'app://popup')).toBe(false);
    expect(isAllowedPermission('persistent-storage', undefined)).toBe(false);
  });
});
