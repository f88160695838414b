import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { toTagged } from '../../core/base/errors.ts';
import { isAllowedNavigation } from '../window/navigation-guard.ts';
import { API_NAMES, channelOf, type IpcResult } from './api-names.ts';
import type { Handler, Handlers } from './handlers.ts';

/**
 * Wires the handler table to `ipcMain.handle`. A call is answered only for the till's own page (the frame
 * that sent it must be on app://popup: Electron security checklist 17, "Validate the sender of all IPC
 * messages"); its input goes through the handler's validator; and every outcome, failures included, comes
 * back as an `IpcResult`, so the renderer shows the real message instead of Electron's "Error invoking
 * remote method" wrapper, and nothing is swallowed.
 */
export async function invoke(h: Handler<unknown, unknown>, senderUrl: string | undefined, input: unknown): Promise<IpcResult<unknown>> {
  if (!senderUrl || !isAllowedNavigation(senderUrl)) return { ok: false, error: { type: 'Forbidden', message: 'only the till itself may use the desktop functions' } };
  let parsed: unknown;
  try {
    parsed = h.parse(input);
  } catch (err) {
    return { ok: false, error: toTagged(err) };
  }
  try {
    return { ok: true, value: await h.run(parsed) };
  } catch (err) {
    return { ok: false, error: toTagged(err) };
  }
}

export function registerHandlers(ipc: Pick<IpcMain, 'handle'>, handlers: Handlers, log: (message: string, fields: Record<string, unknown>) => void): void {
  for (const name of API_NAMES) {
    const h = handlers[name] as Handler<unknown, unknown>;
    ipc.handle(channelOf(name), async (event: IpcMainInvokeEvent, input: unknown) => {
      const result = await invoke(h, event.senderFrame?.url, input);
      if (!result.ok) log('desktop call failed', { name, error: result.error });
      return result;
    });
  }
}
