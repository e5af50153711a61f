import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import { PROPOSALS_KEY } from '../../lib/queryKeys';
import { useSectionGroups } from '../../lib/reference';

export { ifMatch } from '../../lib/api';
export { PROPOSALS_KEY } from '../../lib/queryKeys';
export { useProjectTeams } from '../../lib/reference';
export { IMPLEMENTATION_STATUSES, STAGES, isStage, type StageNumber } from '../../lib/labels';
import type { components, paths } from '../../lib/api/schema';

export type {
  Decision,
  ImplementationStatus,
  PeriodOut,
  ProjectTeamOut,
  ProposalOut,
} from '../../lib/api';
export type ProposalIn = components['schemas']['ProposalIn'];
export type AssignmentOut = components['schemas']['AssignmentOut'];
export type AssignmentIn = components['schemas']['AssignmentIn'];
export type TransitionIn = components['schemas']['TransitionIn'];
export type ConsultationIn = components['schemas']['ConsultationIn'];
export type ConsultationOut = components['schemas']['ConsultationOut'];
export type HistoryEntryOut = components['schemas']['HistoryEntryOut'];
export type ProgressReportOut = components['schemas']['ProgressReportOut'];
export type ProgressRowOut = components['schemas']['ProgressRowOut'];
export type ProposalQuery = NonNullable<paths['/api/v1/proposals']['get']['parameters']['query']>;



export const proposalKeys = {
  list: (query: ProposalQuery) => [...PROPOSALS_KEY, 'list', query] as const,
  detail: (id: number) => [...PROPOSALS_KEY, 'detail', id] as const,
  history: (id: number) => [...PROPOSALS_KEY, 'history', id] as const,
  consultations: (id: number) => [...PROPOSALS_KEY, 'consultations', id] as const,
  progress: (fiscalYear: number, asOf: string, asKnownOn?: string) =>
    [...PROPOSALS_KEY, 'progress', fiscalYear, asOf, asKnownOn ?? null] as const,
};

/** Sections with today's names under their bureau, bureaus without sections left out. */
export function useSectionOptions() {
  return useSectionGroups({ withSectionsOnly: true });
}

export function useProposalList(query: ProposalQuery) {
  const api = useApi();
  return useQuery({
    queryKey: proposalKeys.list(query),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/proposals', { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useProposal(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: proposalKeys.detail(id),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/proposals/{id}', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

export function useHistory(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: proposalKeys.history(id),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/proposals/{id}/history', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

export function useConsultations(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: proposalKeys.consultations(id),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/proposals/{id}/consultations', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

/** The progress table as of `asOf`; with `asKnownOn`, as it was known at the end of that day. */
export function useProgressReport(fiscalYear: number | undefined, asOf: string, enabled: boolean, asKnownOn?: string) {
  const api = useApi();
  return useQuery({
    queryKey: proposalKeys.progress(fiscalYear ?? 0, asOf, asKnownOn),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/reports/proposal-progress', {
          params: {
            query: { fiscal_year: fiscalYear ?? 0, as_of: asOf, ...(asKnownOn ? { as_known_on: asKnownOn } : {}) },
          },
          signal,
        }),
      ) as ProgressReportOut,
    enabled: enabled && fiscalYear !== undefined,
    placeholderData: keepPreviousData,
  });
}

