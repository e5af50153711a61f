import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import type { components, paths } from '../../lib/api/schema';

export type ReformOut = components['schemas']['ReformOut'];
export type ReformIn = components['schemas']['ReformIn'];
export type EffectIn = components['schemas']['EffectIn'];
export type EffectOut = components['schemas']['EffectOut'];
export type ReformStatus = components['schemas']['ReformStatusDto'];
export type ReformClassification = components['schemas']['ReformClassificationDto'];
export type EffectKind = components['schemas']['EffectKindDto'];
export type PeriodOut = components['schemas']['PeriodOut'];
export type LinkOut = components['schemas']['LinkOut'];
export type ReformQuery = NonNullable<paths['/api/v1/reforms']['get']['parameters']['query']>;
export type BureauReformQuery = NonNullable<paths['/api/v1/bureaus/{id}/reforms']['get']['parameters']['query']>;

export const REFORM_STATUSES: readonly ReformStatus[] = [
  'under_consideration',
  'planned',
  'trial',
  'in_progress',
  'done',
  'ended',
];
export const CLASSIFICATIONS: readonly ReformClassification[] = ['i', 'ii', 'iii'];
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

/**
 * Every reform query starts with this key (the bureau page's list too), so one invalidation after
 * a write refreshes every screen that shows reforms.
 */
export const REFORMS_KEY = ['reforms'] as const;

export const reformKeys = {
  list: (query: ReformQuery) => [...REFORMS_KEY, 'list', query] as const,
  byBureau: (bureauId: number, query: BureauReformQuery) => [...REFORMS_KEY, 'bureau', bureauId, query] as const,
  detail: (id: number) => [...REFORMS_KEY, 'detail', id] as const,
  bureaus: () => ['org', 'bureaus'] as const,
  bureau: (id: number) => ['org', 'bureau', id] as const,
  sections: () => ['org', 'sections'] as const,
  bureauSections: (bureauId: number) => ['org', 'sections', bureauId] as const,
};

export { ifMatch } from '../proposals/api';

export function useReformList(query: ReformQuery) {
  const api = useApi();
  return useQuery({
    queryKey: reformKeys.list(query),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/reforms', { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useBureauReforms(bureauId: number, query: BureauReformQuery) {
  const api = useApi();
  return useQuery({
    queryKey: reformKeys.byBureau(bureauId, query),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/bureaus/{id}/reforms', { params: { path: { id: bureauId }, query }, signal }),
      ),
    enabled: Number.isSafeInteger(bureauId) && bureauId > 0,
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

export function useBureauList() {
  const api = useApi();
  return useQuery({
    queryKey: reformKeys.bureaus(),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/bureaus', { signal })),
    staleTime: 5 * 60_000,
  });
}

export function useBureau(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: reformKeys.bureau(id),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/bureaus/{id}', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

/** Today's sections of every bureau; screens filter them by bureau themselves. */
export function useAllSections() {
  const api = useApi();
  return useQuery({
    queryKey: reformKeys.sections(),
    queryFn: async ({ signal }) => {
      const sections = dataOf(await api.client.GET('/api/v1/sections', { signal }));
      return [...sections].sort((a, b) => a.id - b.id);
    },
    staleTime: 5 * 60_000,
  });
}

/** The sections of one bureau (today's names); idle until a bureau is chosen. */
export function useBureauSections(bureauId: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: reformKeys.bureauSections(bureauId ?? 0),
    queryFn: async ({ signal }) => {
      const sections = dataOf(
        await api.client.GET('/api/v1/sections', { params: { query: { bureau_id: bureauId ?? 0 } }, signal }),
      );
      return [...sections].sort((a, b) => a.id - b.id);
    },
    enabled: bureauId !== null && bureauId > 0,
    staleTime: 5 * 60_000,
  });
}

export { useWarekiPreview } from '../proposals/api';
