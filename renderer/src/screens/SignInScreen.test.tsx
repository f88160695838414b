// @vitest-environment happy-dom
import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../app/App.tsx';
import { usePos } from '../app/pos-store.ts';
import { closeTill, openTill } from '../testing/till-world.ts';

afterEach(closeTill);

describe('sign-in screen', () => {
  it('signs a cashier in with the keypad', async () => {
    await openTill();
    const user = userEvent.setup();
    render(<App />);
    const keypad = screen.getByRole('group', { name: 'Keypad' });
    for (const d of '1234') await user.click(within(keypad).getByRole('button', { name: d }));
    expect((screen.getByLabelText('PIN') as HTMLInputElement).value).toBe('1234');
    await user.click(within(keypad).getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('region', { name: 'Start of shift' });
    expect(usePos.getState().cashier?.name).toBe('Ana');
    expect(screen.getByRole('button', { name: 'Ana · Sign out' })).toBeTruthy();
  });

  it('locks the till after three wrong PINs: even the right PIN is refused while locked', async () => {
    await openTill();
    const user = userEvent.setup();
    render(<App />);
    const pin = screen.getByLabelText('PIN');
    await user.type(pin, '1111{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong PIN');
    await user.type(pin, '2222{Enter}');
    await user.type(pin, '3333{Enter}');
    await screen.findByText('Wrong PIN 3 times: the till is locked for 60 s');
    await user.type(pin, '1234{Enter}');
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Too many wrong PINs: try again in \d+ s$/);
    expect(usePos.getState().cashier).toBeUndefined();
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
  });

  it('shows the set-up progress instead of a half-stocked till while the demo is written', async () => {
    await openTill({ standAlone: false });
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByRole('button', { name: 'Start stand-alone with the demo event' }));
    expect(screen.getByRole('status').textContent).toContain('Setting up the demo event');
    expect(screen.queryByLabelText('PIN')).toBeNull();
    await screen.findByLabelText('PIN');
  });
});
