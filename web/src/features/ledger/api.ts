import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import type { components, paths } from '../../lib/api/schema';

export type DigitalSystemOut = components['schemas']['DigitalSystemOut'];
export type DigitalSystemIn = components['schemas']['DigitalSystemIn'];
export type PlatformDto = components['schemas']['PlatformDto'];
export type SystemStatusDto = components['schemas']['SystemStatusDto'];
export type TargetsOut = components['schemas']['TargetsOut'];
export type TargetOut = components['schemas']['TargetOut'];
export type TargetIn = components['schemas']['TargetIn'];
export type TargetMetricDto = components['schemas']['TargetMetricDto'];
export type TargetMeasurementIn = components['schemas']['TargetMeasurementIn'];
export type TargetMeasurementOut = components['schemas']['TargetMeasurementOut'];
export type LedgerStandingOut = components['schemas']['LedgerStandingOut'];
export type LedgerBureauOut = components['schemas']['LedgerBureauOut'];
export type LedgerYearOut = components['schemas']['LedgerYearOut'];
export type DigitalSystemQuery = NonNullable<paths['/api/v1/digital-systems']['get']['parameters']['query']>;

export const PLATFORMS: readonly PlatformDto[] = ['kintone', 'rpa', 'ai', 'other'];
export const SYSTEM_STATUSES: readonly SystemStatusDto[] = ['trial', 'production', 'retired'];
export const TARGET_METRICS: readonly TargetMetricDto[] = [
  'annual_hours_saved',
  'cost_effect_yen',
  'systems_in_operation',
  'in_house_rate',
  'consultations',
  'other',
];

/** Every query of the ledger screens starts with this key, so one invalidation refreshes them all. */
export const LEDGER_KEY = ['digital-systems'] as const;

export const ledgerKeys = {
  list: (query: DigitalSystemQuery) => [...LEDGER_KEY, 'list', query] as const,
  detail: (id: number) => [...LEDGER_KEY, 'detail', id] as const,
  targets: () => [...LEDGER_KEY, 'targets'] as const,
  sectionGroups: () => [...LEDGER_KEY, 'section-groups'] as const,
  bureaus: () => [...LEDGER_KEY, 'bureaus'] as const,
  sectionsOf: (bureauId: number) => [...LEDGER_KEY, 'sections', bureauId] as const,
};

/** The `If-Match` value for a record read at `version` (the server's ETag is `"<version>"`). */
export function ifMatch(version: number): string {
  return `"${version}"`;
}

export function useDigitalSystemList(query: DigitalSystemQuery) {
  const api = useApi();
  return useQuery({
    queryKey: ledgerKeys.list(query),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/digital-systems', { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useDigitalSystem(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: ledgerKeys.detail(id),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/digital-systems/{id}', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

export function useTargets() {
  const api = useApi();
  return useQuery({
    queryKey: ledgerKeys.targets(),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/targets', { signal })),
  });
}

export function useBureauList() {
  const api = useApi();
  return useQuery({
    queryKey: ledgerKeys.bureaus(),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/bureaus', { signal })),
    staleTime: 5 * 60_000,
  });
}

/** Today's sections of one bureau, for the form's second select; idle until a bureau is chosen. */
export function useSectionsOf(bureauId: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: ledgerKeys.sectionsOf(bureauId ?? 0),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/sections', { params: { query: { bureau_id: bureauId ?? 0 } }, signal }),
      ),
    enabled: bureauId !== null,
    staleTime: 5 * 60_000,
  });
}

/** Every section with today's name, grouped under its bureau in the bureaus' order (for the filter). */
export function useSectionGroups() {
  const api = useApi();
  return useQuery({
    queryKey: ledgerKeys.sectionGroups(),
    queryFn: async ({ signal }) => {
      const [bureaus, sections] = await Promise.all([
        api.client.GET('/api/v1/bureaus', { signal }).then(dataOf),
        api.client.GET('/api/v1/sections', { signal }).then(dataOf),
      ]);
      return bureaus.map((bureau) => ({
        bureau,
        sections: sections.filter((s) => s.bureau_id === bureau.id).sort((a, b) => a.id - b.id),
      }));
    },
    staleTime: 5 * 60_000,
  });
}

export function useCreateTarget() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: TargetIn) => dataOf(await api.client.POST('/api/v1/targets', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ledgerKeys.targets() }),
  });
}

export function useAddMeasurement() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ targetId, body }: { targetId: number; body: TargetMeasurementIn }) =>
      dataOf(
        await api.client.POST('/api/v1/targets/{id}/measurements', { params: { path: { id: targetId } }, body }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ledgerKeys.targets() }),
  });
}
