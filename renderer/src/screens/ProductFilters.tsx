import type { Brand } from '../../../core/event/event.ts';
import './ProductFilters.css';

/**
 * Filters over the tile grid: one row of brands, one of categories (from the catalog). One choice per row,
 * "All" clears it; each is a toggle button a finger can hit. Shown only when there is something to choose.
 */
export interface Filter {
  brandId: string | undefined;
  category: string | undefined;
}

export function ProductFilters({ brands, categories, filter, onChange }: { brands: readonly Brand[]; categories: readonly string[]; filter: Filter; onChange: (f: Filter) => void }) {
  return (
    <div className="filters">
      {brands.length > 1 && (
        <div role="group" aria-label="Brand" className="chips">
          <button type="button" aria-pressed={filter.brandId === undefined} onClick={() => onChange({ ...filter, brandId: undefined })}>
            All brands
          </button>
          {brands.map((b) => (
            <button key={b.id} type="button" aria-pressed={filter.brandId === b.id} onClick={() => onChange({ ...filter, brandId: filter.brandId === b.id ? undefined : b.id })}>
              {b.name}
            </button>
          ))}
        </div>
      )}
      {categories.length > 0 && (
        <div role="group" aria-label="Category" className="chips">
          <button type="button" aria-pressed={filter.category === undefined} onClick={() => onChange({ ...filter, category: undefined })}>
            All categories
          </button>
          {categories.map((c) => (
            <button key={c} type="button" aria-pressed={filter.category === c} onClick={() => onChange({ ...filter, category: filter.category === c ? undefined : c })}>
              {c}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
