// @vitest-environment happy-dom
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { demoConfig } from '../../../core/event/demo-event.ts';
import { renderSellingTill } from '../testing/render-till.tsx';
import { closeTill } from '../testing/till-world.ts';
import { usePos } from '../app/pos-store.ts';
import { DropBanner } from './DropBanner.tsx';

afterEach(closeTill);

const tileNames = () => screen.getAllByRole('button').filter((b) => b.classList.contains('tile')).map((b) => b.querySelector('.name')!.textContent);

describe('finding products', { timeout: 20_000 }, () => {
  it('filters the tiles by brand and by category from the catalog, and "All" clears each', async () => {
    const { user } = await renderSellingTill();
    expect(tileNames()).toHaveLength(28);
    const brands = screen.getByRole('group', { name: 'Brand' });
    const categories = screen.getByRole('group', { name: 'Category' });
    expect(within(categories).getAllByRole('button').map((b) => b.textContent)).toEqual(['All categories', 'Accessories', 'Apparel', 'Home', 'Phones', 'Tableware']);

    await user.click(within(brands).getByRole('button', { name: 'Mellow Ceramics' }));
    expect(within(brands).getByRole('button', { name: 'Mellow Ceramics' }).getAttribute('aria-pressed')).toBe('true');
    expect(new Set(tileNames())).toEqual(new Set(['Stoneware Mug — Blue', 'Stoneware Mug — Green', 'Stoneware Mug — Sand', 'Noodle Bowl — Small', 'Noodle Bowl — Large', 'Side Plate', 'Bud Vase']));

    await user.click(within(categories).getByRole('button', { name: 'Tableware' }));
    expect(tileNames()).not.toContain('Bud Vase');
    expect(tileNames()).toHaveLength(6);

    // Both filters narrow the search too.
    await user.type(screen.getByLabelText('Search products'), 'vase');
    expect(screen.getByText('No product matches “vase” with these filters.')).toBeTruthy();
    await user.clear(screen.getByLabelText('Search products'));

    await user.click(within(brands).getByRole('button', { name: 'All brands' }));
    await user.click(within(categories).getByRole('button', { name: 'Accessories' }));
    expect(tileNames()).toContain('Five-panel Cap');
    expect(tileNames()).toContain('Braided Cable');
    expect(tileNames()).not.toContain('Stoneware Mug — Blue');
    await user.click(within(categories).getByRole('button', { name: 'All categories' }));
    expect(tileNames()).toHaveLength(28);
  });

  it('jumps to the search with "/" or F3 from anywhere, and Esc clears it then leaves it', async () => {
    const { user } = await renderSellingTill();
    const search = screen.getByLabelText('Search products');
    await user.click(screen.getByRole('button', { name: 'Phones' }));
    expect(document.activeElement).not.toBe(search);
    // A person's "/" (not a scanner's burst): a pause before it.
    await new Promise((r) => setTimeout(r, 60));
    fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement).toBe(search);
    await user.type(search, 'phone 12');
    expect(tileNames()).toEqual(['Refurbished Phone 12 — 128 GB']);
    await user.keyboard('{Escape}');
    expect((search as HTMLInputElement).value).toBe('');
    await user.keyboard('{Escape}');
    expect(document.activeElement).not.toBe(search);
    fireEvent.keyDown(document.body, { key: 'F3' });
    expect(document.activeElement).toBe(search);
  });
});

describe('drop countdown', () => {
  it('reads in days and hours over a day, in hours, minutes and seconds under one', () => {
    const now = Date.UTC(2026, 10, 20, 9);
    act(() => usePos.setState({ now }));
    const base = demoConfig(now);
    const { rerender } = render(<DropBanner config={{ ...base, drop: { ...base.drop, startsAt: now + (2 * 24 + 5) * 3_600_000 + 42 * 60_000, endsAt: now + 4 * 24 * 3_600_000 } }} />);
    expect(screen.getByText('Drop starts in 2 d 5 h')).toBeTruthy();
    rerender(<DropBanner config={{ ...base, drop: { ...base.drop, startsAt: now + 3_723_000, endsAt: now + 4 * 24 * 3_600_000 } }} />);
    expect(screen.getByText('Drop starts in 1:02:03')).toBeTruthy();
  });
});
