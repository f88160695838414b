import type { Brand, Location } from '../../../core/event/event.ts';
import type { Api } from './api.ts';
import { ev } from './console-store.ts';

/** The set-up writes the console makes, in one place: each maps to one endpoint of docs/api.md. */
export const putBrand = (api: Api, brand: Brand) => api.put<unknown>(ev(`/brands/${encodeURIComponent(brand.id)}`), brand);
export const putLocation = (api: Api, loc: Location) => api.put<unknown>(ev(`/locations/${encodeURIComponent(loc.id)}`), loc);
