// @vitest-environment happy-dom
import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { usePos } from '../app/pos-store.ts';
import { closeTill, openTill } from '../testing/till-world.ts';
import { StatusBar } from './StatusBar.tsx';

afterEach(closeTill);

const status = () => screen.getByRole('status', { name: 'Sync status' });

describe('status bar', () => {
  it('says a stand-alone till is offline, and counts the changes waiting to sync', async () => {
    const store = await openTill();
    render(<StatusBar />);
    expect(status().textContent).toMatch(/^Offline · stand-alone· \d+ waiting to sync/);
    const before = (await store.outbox()).length;
    expect(status().textContent).toContain(`· ${before} waiting to sync`);
    // A void goes to the till's own document and a rights request to the brand's: both wait to sync.
    await act(() => store.recordVoid({ cashierId: 'ana', wallTime: Date.now(), reason: 'cart cleared', lines: [], total: 0 }).then(() => undefined));
    await screen.findByText(`· ${before + 1} waiting to sync`);
    await act(() => store.requestRights('north-thread', 'NT-CAP', 5).then(() => undefined));
    await screen.findByText(`· ${before + 2} waiting to sync`);
  });

  it('says Online with when it last synced for a paired till, Offline while it reconnects, and shows a refusal', async () => {
    const store = await openTill();
    store.profile = { ...store.profile!, serverUrl: 'http://127.0.0.1:9', token: 't' };
    const now = Date.now();
    act(() => usePos.setState({ now, persisted: true, sync: { state: 'online', lastSyncedAt: now - 2000, problem: undefined } }));
    render(<StatusBar />);
    expect(status().textContent).toMatch(/^Online· synced just now· \d+ waiting to sync$/);
    expect(status().className).not.toContain('offline');
    act(() => usePos.setState({ now: now + 60_000, sync: { state: 'connecting', lastSyncedAt: now - 2000, problem: 'the server refused a write: rights below zero' } }));
    expect(status().textContent).toMatch(/^Offline · connecting· synced 62 s ago· \d+ waiting to sync· the server refused a write: rights below zero$/);
    expect(status().className).toContain('offline');
  });
});
