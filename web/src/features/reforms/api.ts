import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import type { EffectKind } from '../../lib/api';
import { REFORMS_KEY } from '../../lib/queryKeys';

export { ifMatch } from '../../lib/api';
export { REFORMS_KEY } from '../../lib/queryKeys';
export { useAllSections, useBureau, useBureauList, useSectionsOf as useBureauSections } from '../../lib/reference';
export { CLASSIFICATIONS, REFORM_STATUSES } from '../../lib/labels';
import type { components, paths } from '../../lib/api/schema';

export type {
  EffectKind,
  LinkOut,
  PeriodOut,
  ReformClassification,
  ReformOut,
  ReformStatus,
} from '../../lib/api';
export type ReformIn = components['schemas']['ReformIn'];
export type EffectIn = components['schemas']['EffectIn'];
export type EffectOut = components['schemas']['EffectOut'];
export type ReformQuery = NonNullable<paths['/api/v1/reforms']['get']['parameters']['query']>;

export const EFFECT_KINDS: readonly EffectKind[] = [
  'hours_per_year',
  'sheets_per_year',
  'yen_per_year',
  'square_meters',
  'cases_per_year',
  'people',
  'other',
];

/** The unit a new effect row starts with, as the report writes it. */
export const DEFAULT_UNITS: Record<EffectKind, string> = {
  hours_per_year: '時間/年',
  sheets_per_year: '枚/年',
  yen_per_year: '円/年',
  square_meters: '㎡',
  cases_per_year: '件/年',
  people: '人',
  other: '',
};

export const reformKeys = {
  list: (query: ReformQuery) => [...REFORMS_KEY, 'list', query] as const,
  detail: (id: number) => [...REFORMS_KEY, 'detail', id] as const,
};

export function useReformList(query: ReformQuery) {
  const api = useApi();
  return useQuery({
    queryKey: reformKeys.list(query),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/reforms', { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useReform(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: reformKeys.detail(id),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/reforms/{id}', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

