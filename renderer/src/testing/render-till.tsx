import { render, screen, within } from '@testing-library/react';
import { userEvent, type UserEvent } from '@testing-library/user-event';
import { App } from '../app/App.tsx';
import { openTill } from './till-world.ts';

/**
 * The whole till rendered on a stand-alone demo, signed in as Ana (cashier) with a shift open: where a
 * cashier is at the start of the day. Component tests drive it with user-event, by accessible name.
 */
export async function renderSellingTill(opts: { float?: string } = {}): Promise<{ user: UserEvent; store: Awaited<ReturnType<typeof openTill>> }> {
  const store = await openTill();
  const user = userEvent.setup();
  render(<App />);
  await user.type(screen.getByLabelText('PIN'), '1234{Enter}');
  const gate = await screen.findByRole('region', { name: 'Start of shift' });
  await user.type(within(gate).getByLabelText('Opening float'), `${opts.float ?? '100'}{Enter}`);
  await screen.findByRole('search');
  return { user, store };
}

/** The cart region: where lines, totals, payment and the completed sale show. */
export const cart = () => screen.getByRole('region', { name: 'Cart' });
