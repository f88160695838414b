/**
 * One till app per computer: two would open the same IndexedDB and device identity and race each other's
 * writes. A second start hands over to the first (which comes to the front) and quits.
 */
export interface InstanceApp {
  requestSingleInstanceLock(): boolean;
  on(event: 'second-instance', listener: () => void): unknown;
  quit(): void;
}

export function claimSingleInstance(app: InstanceApp, bringToFront: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', bringToFront);
  return true;
}
