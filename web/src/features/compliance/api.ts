// The compliance view of reporting rounds (GET /api/v1/rounds/{id}/compliance,
// GET /api/v1/rounds/compliance-trend) and the office's nudges (督促).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import type { components } from '../../lib/api/schema';

export type ComplianceOut = components['schemas']['ComplianceOut'];
export type ComplianceFiguresOut = components['schemas']['ComplianceFiguresOut'];
export type FigureOut = components['schemas']['ComplianceFigureOut'];
export type RequestsLink = components['schemas']['ComplianceRequestsLink'];
export type TrendOut = components['schemas']['TrendOut'];
export type NudgeOverdueOut = components['schemas']['NudgeOverdueOut'];

/** The root of every compliance query: a nudge refreshes them all. */
export const COMPLIANCE_KEY = ['round-compliance'] as const;

export function useRoundCompliance(roundId: number, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: [...COMPLIANCE_KEY, 'round', roundId],
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/rounds/{id}/compliance', { params: { path: { id: roundId } }, signal })),
    enabled,
  });
}

export function useComplianceTrend(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: [...COMPLIANCE_KEY, 'trend'],
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/rounds/compliance-trend', { params: { query: { limit: 12 } }, signal })),
    enabled,
  });
}

/** 督促 of one owner (429 when nudged within the hour). */
export function useNudgeRequest() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (requestId: number) =>
      dataOf(await api.client.POST('/api/v1/round-requests/{id}/nudge', { params: { path: { id: requestId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: COMPLIANCE_KEY }),
  });
}

/** 督促 of every overdue owner of a round. */
export function useNudgeOverdue() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (roundId: number): Promise<NudgeOverdueOut> =>
      dataOf(await api.client.POST('/api/v1/rounds/{id}/nudge-overdue', { params: { path: { id: roundId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: COMPLIANCE_KEY }),
  });
}

/** The SPA path of the request list a figure counts: the round's page with the same filter. */
export function screenLink(link: RequestsLink): string {
  const params = new URLSearchParams();
  if (link.state) params.set('state', link.state);
  if (link.overdue) params.set('overdue', 'true');
  if (link.bureau_id != null) params.set('bureau_id', String(link.bureau_id));
  if (link.section_id != null) params.set('section_id', String(link.section_id));
  if (link.owner_kind) params.set('owner_kind', link.owner_kind);
  const query = params.toString();
  return query ? `/rounds/${link.round_id}?${query}` : `/rounds/${link.round_id}`;
}
