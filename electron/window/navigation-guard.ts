import type { Event, HandlerDetails, Session, WebContents, WebContentsWillNavigateEventParams } from 'electron';
import { APP_HOST, APP_SCHEME } from '../app-protocol.ts';

/**
 * What a window may do besides showing the till: nothing, unless listed here. The till never navigates away
 * from its own origin, never opens a window, never embeds a webview and asks for no permission but the ones
 * allowed below (Electron security checklist 12–14, https://www.electronjs.org/docs/latest/tutorial/security).
 * A refusal is logged, so a denied request shows up in the log rather than as a silent dead button.
 */
export type GuardLog = (message: string, fields: Record<string, unknown>) => void;

/** Navigation inside the app itself (a reload of index.html after a crash is one). */
export function isAllowedNavigation(url: string): boolean {
  try {
    // Not `URL.origin`: for a non-special scheme such as app: it is the opaque "null".
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/**
 * Permissions the till uses. Persistent storage keeps Chromium from ever evicting the till's IndexedDB (its
 * sales) under disk pressure (LocalStore.requestPersistence asks for it); clipboard writes let a manager copy
 * a pairing code. Nothing needs the camera, microphone, location, notifications, USB/serial/HID (printers
 * are driven from the main process) or anything else, so those are refused.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['persistent-storage', 'clipboard-sanitized-write']);

export function isAllowedPermission(permission: string, requestingUrl: string | undefined): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && requestingUrl !== undefined && isAllowedNavigation(requestingUrl);
}

/** Structural views of the Electron objects the guards touch, so tests hand in plain fakes. */
export type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;
export type GuardedSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>;

export function guardContents(contents: GuardedContents, log: GuardLog): void {
  const refuse = (kind: string) => (event: Event | { preventDefault(): void }, url: string) => {
    if (isAllowedNavigation(url)) return;
    event.preventDefault();
    log(`refused ${kind}`, { url });
  };
  const onNavigate = refuse('navigation');
  const onRedirect = refuse('redirect');
  contents.on('will-navigate', (event: Event<WebContentsWillNavigateEventParams>, url: string) => onNavigate(event, url));
  contents.on('will-redirect', (event: Event<WebContentsWillNavigateEventParams>, url: string) => onRedirect(event, url));
  contents.on('will-frame-navigate', (event: Event<WebContentsWillNavigateEventParams>) => onNavigate(event, event.url));
  // <webview> is off in webPreferences; this refuses one even if a future change turned it on.
  contents.on('will-attach-webview', (event: Event) => {
    event.preventDefault();
    log('refused a webview', {});
  });
  contents.setWindowOpenHandler((details: HandlerDetails) => {
    log('refused a new window', { url: details.url });
    return { action: 'deny' };
  });
}

export function guardSession(session: GuardedSession, log: GuardLog): void {
  session.setPermissionRequestHandler((_contents: WebContents | null, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string }) => {
    const granted = isAllowedPermission(permission, details.requestingUrl);
    if (!granted) log('refused a permission', { permission, url: details.requestingUrl });
    callback(granted);
  });
  session.setPermissionCheckHandler((_contents: WebContents | null, permission: string, requestingOrigin: string) => isAllowedPermission(permission, requestingOrigin));
}
