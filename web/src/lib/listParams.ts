// Reading a list's filters from the query string: values that are not what the API accepts are
// dropped, never sent (so a hand-edited or stale link still shows a list).
import { isIsoDate } from './dates';

/** `12` → 12; anything but a positive whole number → undefined. */
export function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** The value when it is one of `allowed`. */
export function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** A YYYY-MM-DD date that exists. */
export function isoDate(value: string | null): string | undefined {
  return value && isIsoDate(value) ? value : undefined;
}

/** Trimmed text, or undefined when empty. */
export function text(value: string | null): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** `sort=title` or `sort=-title` for one of the columns the server sorts by. */
export function sortParam<C extends string>(
  value: string | null,
  columns: readonly C[],
): C | `-${C}` | undefined {
  if (value === null) return undefined;
  return columns.find((c) => value === c || value === `-${c}`) !== undefined ? (value as C | `-${C}`) : undefined;
}
