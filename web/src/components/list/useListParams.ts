// A list's state lives in the address (filters, sort, page), so every view can be linked to,
// bookmarked and reached from a dashboard figure. Changing a filter goes back to page 1.
import { useSearchParams } from 'react-router';

export type FilterChanges = Record<string, string | undefined>;

export function useListParams() {
  const [params, setParams] = useSearchParams();

  /** Sets (or, for an empty value, drops) each key and goes back to the first page. */
  function setFilters(changes: FilterChanges) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    next.delete('page');
    setParams(next);
  }

  return {
    params,
    setFilters,
    removeFilters: (keys: readonly string[]) => setFilters(Object.fromEntries(keys.map((key) => [key, undefined]))),
    clearAll: () => setParams(new URLSearchParams()),
    /** True when any of `keys` is in the address (the "clear" button is offered then). */
    hasAny: (keys: readonly string[]) => keys.some((key) => params.has(key)),
    /** The link to page `n` with every other parameter kept. */
    pageLink: (n: number) => {
      const next = new URLSearchParams(params);
      if (n <= 1) next.delete('page');
      else next.set('page', String(n));
      const search = next.toString();
      return search ? `?${search}` : '?';
    },
  };
}
