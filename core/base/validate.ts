import { ValidationError } from './errors.ts';

/**
 * Small field readers for decoding untrusted plain objects (from a Yjs document, a CSV row, an HTTP body).
 * Each throws a ValidationError that names the field, so a caller can tell a person exactly what is wrong.
 */
export type Obj = Record<string, unknown>;

export function asObject(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationError(field, 'must be an object');
  return v as Obj;
}

export function str(o: Obj, key: string, opts: { min?: number; max?: number; pattern?: RegExp } = {}): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ValidationError(key, 'must be a string');
  if (v.length < (opts.min ?? 1)) throw new ValidationError(key, 'must not be empty');
  if (v.length > (opts.max ?? 200)) throw new ValidationError(key, `must be at most ${opts.max ?? 200} characters`);
  if (opts.pattern && !opts.pattern.test(v)) throw new ValidationError(key, `"${v}" has the wrong format`);
  return v;
}

export function optStr(o: Obj, key: string, opts: { max?: number; pattern?: RegExp } = {}): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, opts);
}

export function int(o: Obj, key: string, opts: { min?: number; max?: number } = {}): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ValidationError(key, 'must be a whole number');
  if (opts.min !== undefined && v < opts.min) throw new ValidationError(key, `must be at least ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new ValidationError(key, `must be at most ${opts.max}`);
  return v;
}

export function optInt(o: Obj, key: string, opts: { min?: number; max?: number } = {}): number | undefined {
  return o[key] === undefined ? undefined : int(o, key, opts);
}

export function bool(o: Obj, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new ValidationError(key, 'must be true or false');
  return v;
}

export function oneOf<T extends string>(o: Obj, key: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new ValidationError(key, `must be one of ${values.join(', ')}`);
  }
  return v as T;
}

export function strArray(o: Obj, key: string, opts: { max?: number; pattern?: RegExp } = {}): string[] {
  const v = o[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.length === 0)) {
    throw new ValidationError(key, 'must be a list of non-empty strings');
  }
  if (opts.pattern && v.some((x: string) => !opts.pattern!.test(x))) throw new ValidationError(key, 'has an entry of the wrong format');
  if (v.length > (opts.max ?? 100)) throw new ValidationError(key, `must have at most ${opts.max ?? 100} entries`);
  return [...(v as string[])];
}
