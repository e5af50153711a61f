import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import type { components, paths } from '../../lib/api/schema';

export type ProposalOut = components['schemas']['ProposalOut'];
export type ProposalIn = components['schemas']['ProposalIn'];
export type AssignmentOut = components['schemas']['AssignmentOut'];
export type AssignmentIn = components['schemas']['AssignmentIn'];
export type TransitionIn = components['schemas']['TransitionIn'];
export type ConsultationIn = components['schemas']['ConsultationIn'];
export type ConsultationOut = components['schemas']['ConsultationOut'];
export type HistoryEntryOut = components['schemas']['HistoryEntryOut'];
export type PeriodOut = components['schemas']['PeriodOut'];
export type ProjectTeamOut = components['schemas']['ProjectTeamOut'];
export type ProgressReportOut = components['schemas']['ProgressReportOut'];
export type ProgressRowOut = components['schemas']['ProgressRowOut'];
export type ImplementationStatus = components['schemas']['ImplementationStatusDto'];
export type Decision = components['schemas']['DecisionDto'];
export type ProposalQuery = NonNullable<paths['/api/v1/proposals']['get']['parameters']['query']>;

export const IMPLEMENTATION_STATUSES: readonly ImplementationStatus[] = [
  'under_consideration',
  'demonstration',
  'trial',
  'planned',
  'done',
  'ended',
];
export const STAGES = [1, 2, 3, 4] as const;
export type StageNumber = (typeof STAGES)[number];

export function isStage(value: number | null | undefined): value is StageNumber {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

/** Every query of these screens starts with this key, so one invalidation refreshes them all. */
export const PROPOSALS_KEY = ['proposals'] as const;

export const proposalKeys = {
  teams: () => ['project-teams'] as const,
  sections: () => ['proposal-sections'] as const,
  bureaus: () => ['proposal-bureaus'] as const,
  list: (query: ProposalQuery) => [...PROPOSALS_KEY, 'list', query] as const,
  detail: (id: number) => [...PROPOSALS_KEY, 'detail', id] as const,
  history: (id: number) => [...PROPOSALS_KEY, 'history', id] as const,
  consultations: (id: number) => [...PROPOSALS_KEY, 'consultations', id] as const,
  progress: (fiscalYear: number, asOf: string) => [...PROPOSALS_KEY, 'progress', fiscalYear, asOf] as const,
  wareki: (text: string) => ['wareki', text] as const,
};

/** The `If-Match` value for a record read at `version` (the server's ETag is `"<version>"`). */
export function ifMatch(version: number): string {
  return `"${version}"`;
}

export function useProjectTeams() {
  const api = useApi();
  return useQuery({
    queryKey: proposalKeys.teams(),
    queryFn: async ({ signal }) => {
      const teams = dataOf(await api.client.GET('/api/v1/project-teams', { signal }));
      return [...teams].sort((a, b) => b.fiscal_year - a.fiscal_year);
    },
  });
}

/** Sections with today's names, with their bureau's name, in the bureaus' order. */
export function useSectionOptions() {
  const api = useApi();
  return useQuery({
    queryKey: proposalKeys.sections(),
    queryFn: async ({ signal }) => {
      const [bureaus, sections] = await Promise.all([
        api.client.GET('/api/v1/bureaus', { signal }).then(dataOf),
        api.client.GET('/api/v1/sections', { signal }).then(dataOf),
      ]);
      return bureaus
        .map((bureau) => ({
          bureau,
          sections: sections.filter((s) => s.bureau_id === bureau.id).sort((a, b) => a.id - b.id),
        }))
        .filter((group) => group.sections.length > 0);
    },
    staleTime: 5 * 60_000,
  });
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

export function useProgressReport(fiscalYear: number | undefined, asOf: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: proposalKeys.progress(fiscalYear ?? 0, asOf),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/reports/proposal-progress', {
          params: { query: { fiscal_year: fiscalYear ?? 0, as_of: asOf } },
          signal,
        }),
      ) as ProgressReportOut,
    enabled: enabled && fiscalYear !== undefined,
    placeholderData: keepPreviousData,
  });
}

/** How the server reads a typed date (`R8.3~` → 令和8年3月～); idle for an empty text. */
export function useWarekiPreview(text: string) {
  const api = useApi();
  return useQuery({
    queryKey: proposalKeys.wareki(text),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/wareki/parse', { params: { query: { text } }, signal })),
    enabled: text.trim() !== '',
    staleTime: Infinity,
  });
}
