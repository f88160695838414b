// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_BRANDS, DEMO_LOCATIONS, demoConfig } from '../../../../core/event/demo-event.ts';
import type { Location } from '../../../../core/event/event.ts';
import { Api } from '../api.ts';
import { useConsole } from '../console-store.ts';
import type { EventDocs, EventState } from '../event-docs.ts';
import { LocationsSetup } from './SetupPlaces.tsx';

afterEach(() => {
  cleanup();
  useConsole.setState({ docs: undefined, api: undefined, eventId: undefined });
});

/** A pick-up hub with its hours, as the organiser set them. */
const HUB: Location = { id: 'hub-east', kind: 'hub', name: 'East micro-hub', address: '5 Rue de Paris, 93100 Montreuil', openingHours: 'Sat–Sun 10:00–19:00' };

function show(): { sent: { method: string; url: string; body: unknown }[] } {
  const sent: { method: string; url: string; body: unknown }[] = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    sent.push({ method: init.method ?? 'GET', url, body: init.body ? JSON.parse(String(init.body)) : undefined });
    return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  const state = { config: demoConfig(0), brands: DEMO_BRANDS, locations: [...DEMO_LOCATIONS, HUB], tills: [], creators: [], thresholds: [], byBrand: new Map(), byTill: new Map(), synced: 1, total: 1, online: true } as unknown as EventState;
  act(() => useConsole.setState({ api: new Api({ serverUrl: 'http://server', token: 't' }, fetchFn), eventId: 'demo-flash-mall', docs: { state: () => state } as unknown as EventDocs, version: Math.random() }));
  render(<LocationsSetup />);
  return { sent };
}

describe('locations in the set-up', () => {
  it('shows a pick-up place\'s opening hours, and keeps them when the place is edited and saved', async () => {
    const { sent } = show();
    const hub = HUB;
    const table = screen.getByRole('region', { name: 'Locations' });
    expect(within(table).getByText(hub.openingHours!)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: `Edit ${hub.name}` }));
    const hours = screen.getByRole('textbox', { name: /^Opening hours/ }) as HTMLInputElement;
    expect(hours.value).toBe(hub.openingHours);
    fireEvent.change(hours, { target: { value: 'Sat–Sun 09:00–20:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save location' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ method: 'PUT', url: `http://server/api/events/demo-flash-mall/locations/${hub.id}`, body: { id: hub.id, name: hub.name, openingHours: 'Sat–Sun 09:00–20:00' } });
  });
});
