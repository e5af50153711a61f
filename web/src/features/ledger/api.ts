import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import { LEDGER_KEY } from '../../lib/queryKeys';

export { ifMatch } from '../../lib/api';
export { LEDGER_KEY } from '../../lib/queryKeys';
export { useBureauList, useSectionGroups, useSectionsOf } from '../../lib/reference';
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


export const ledgerKeys = {
  list: (query: DigitalSystemQuery) => [...LEDGER_KEY, 'list', query] as const,
  detail: (id: number) => [...LEDGER_KEY, 'detail', id] as const,
  targets: () => [...LEDGER_KEY, 'targets'] as const,
};

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
