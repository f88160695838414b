// @vitest-environment happy-dom
import { act, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { cart, renderSellingTill } from '../testing/render-till.tsx';
import { closeTill } from '../testing/till-world.ts';
import { useMail } from '../app/mail-store.ts';

afterEach(closeTill);

/** Sells a cap for cash on the stand-alone demo till, then makes the till "paired" with a server that is down. */
async function soldOnAnOfflineTill() {
  const { user, store } = await renderSellingTill();
  // Port 9 (discard) on loopback: nothing listens, so every request fails at once, as with a server that is down.
  await act(() => store.setProfile({ ...store.profile!, serverUrl: 'http://127.0.0.1:9', token: 'till-token' }));
  await user.click(screen.getByRole('button', { name: /^Five-panel Cap/ }));
  await user.click(screen.getByRole('button', { name: 'Pay' }));
  await user.type(screen.getByLabelText('Amount tendered'), '50{Enter}');
  await within(cart()).findByText('Sale complete');
  return { user, store };
}

describe('e-mail receipt on the completed sale', { timeout: 20_000 }, () => {
  it('refuses a mistyped address at the counter, naming what is wrong', async () => {
    const { user } = await soldOnAnOfflineTill();
    const form = within(cart()).getByRole('form', { name: 'E-mail receipt' });
    await user.type(within(form).getByLabelText("Customer's e-mail"), 'ana@example{Enter}');
    expect(within(form).getByRole('alert').textContent).toBe('"ana@example" is not an e-mail address (the domain after @ is not valid)');
    expect(useMail.getState().rows).toEqual([]);
  });

  it('queues the receipt durably while the server is unreachable, and says it is sent once online', async () => {
    const { user } = await soldOnAnOfflineTill();
    const form = within(cart()).getByRole('form', { name: 'E-mail receipt' });
    await user.type(within(form).getByLabelText("Customer's e-mail"), 'ana@example.com');
    await user.click(within(form).getByRole('button', { name: 'E-mail receipt' }));
    expect((await within(form).findByRole('status')).textContent).toBe('Receipt queued: it is e-mailed as soon as the till is back online.');
    // In IndexedDB, not only on screen: a reload keeps it.
    const rows = await useMail.getState().outbox!.queued();
    expect(rows).toMatchObject([{ to: 'ana@example.com', state: 'queued', receiptNumber: expect.stringMatching(/-00001$/) as unknown }]);
  });

  it('is not offered on a stand-alone till, which has no server to send it', async () => {
    await renderSellingTill();
    const { user } = { user: (await import('@testing-library/user-event')).userEvent.setup() };
    await user.click(screen.getByRole('button', { name: /^Five-panel Cap/ }));
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    await user.type(screen.getByLabelText('Amount tendered'), '50{Enter}');
    await within(cart()).findByText('Sale complete');
    expect(within(cart()).queryByRole('form', { name: 'E-mail receipt' })).toBeNull();
  });
});
