import { useQuery, useQueryClient } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import { POLICIES_KEY, PROPOSALS_KEY, REFORMS_KEY } from '../../lib/queryKeys';

export { useBureau, useSectionsOf as useBureauSections } from '../../lib/reference';
import type { components, paths } from '../../lib/api/schema';

export type PolicyIn = components['schemas']['PolicyIn'];
export type PolicyOut = components['schemas']['PolicyOut'];
export type PolicySummaryOut = components['schemas']['PolicySummaryOut'];
export type PolicyIssueIn = components['schemas']['PolicyIssueIn'];
export type PolicyIssueOut = components['schemas']['PolicyIssueOut'];
export type PolicyArea = components['schemas']['PolicyAreaDto'];
export type Level = components['schemas']['LevelDto'];
export type MilestoneIn = components['schemas']['MilestoneIn'];
export type MilestoneOut = components['schemas']['MilestoneOut'];
export type MilestoneState = components['schemas']['MilestoneStateDto'];
export type IssueStatus = components['schemas']['IssueStatusDto'];
export type ProgressNoteIn = components['schemas']['ProgressNoteIn'];
export type ProgressNoteOut = components['schemas']['ProgressNoteOut'];
export type KpiIn = components['schemas']['KpiIn'];
export type KpiOut = components['schemas']['KpiOut'];
export type KpiActualIn = components['schemas']['KpiActualIn'];
export type KpiActualOut = components['schemas']['KpiActualOut'];

export type BureauReformQuery = NonNullable<paths['/api/v1/bureaus/{id}/reforms']['get']['parameters']['query']>;

export const AREAS: readonly PolicyArea[] = ['A', 'B', 'C'];
export const LEVELS: readonly Level[] = ['high', 'low'];
export const MILESTONE_STATES: readonly MilestoneState[] = ['planned', 'done', 'slipped'];
export const QUARTERS = [1, 2, 3, 4] as const;

export const policyKeys = {
  summaries: (bureauId: number) => [...POLICIES_KEY, 'summaries', bureauId] as const,
  detail: (id: number) => [...POLICIES_KEY, 'detail', id] as const,
  issue: (id: number) => [...POLICIES_KEY, 'issue', id] as const,
  kpi: (id: number) => [...POLICIES_KEY, 'kpi', id] as const,
  // Under the reforms' and proposals' roots, so their writes refresh the bureau page too.
  reforms: (bureauId: number, query: BureauReformQuery) => [...REFORMS_KEY, 'bureau', bureauId, query] as const,
  proposals: (bureauId: number, fiscalYear: number) => [...PROPOSALS_KEY, 'bureau', bureauId, fiscalYear] as const,
};

export { ifMatch } from '../../lib/api';

/** Every policy of a bureau (all years, newest first): they tell which years to offer. */
export function usePolicySummaries(bureauId: number) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.summaries(bureauId),
    queryFn: async ({ signal }) => {
      const page = dataOf(
        await api.client.GET('/api/v1/policies', {
          params: { query: { bureau_id: bureauId, per_page: 200 } },
          signal,
        }),
      );
      return [...page.items].sort((a, b) => b.fiscal_year - a.fiscal_year);
    },
    enabled: Number.isSafeInteger(bureauId) && bureauId > 0,
  });
}

export function usePolicy(id: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.detail(id ?? 0),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/policies/{id}', { params: { path: { id: id ?? 0 } }, signal })),
    enabled: id !== null && id > 0,
  });
}

export function usePolicyIssue(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.issue(id),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/policy-issues/{id}', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

export function useKpi(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.kpi(id),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/kpis/{id}', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

/** The bureau's reforms (自主改革) of one fiscal year. */
export function useBureauReforms(bureauId: number, query: BureauReformQuery) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.reforms(bureauId, query),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/bureaus/{id}/reforms', { params: { path: { id: bureauId }, query }, signal }),
      ),
    enabled: Number.isSafeInteger(bureauId) && bureauId > 0,
  });
}

/** The proposals assigned to the bureau's sections in one fiscal year. */
export function useBureauProposals(bureauId: number, fiscalYear: number) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.proposals(bureauId, fiscalYear),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/proposals', {
          params: { query: { bureau_id: bureauId, fiscal_year: fiscalYear, per_page: 200 } },
          signal,
        }),
      ),
    enabled: Number.isSafeInteger(bureauId) && bureauId > 0,
  });
}

/** Refreshes every policy screen after a write (or after a 412, to show what was saved meanwhile). */
export function useInvalidatePolicies() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: POLICIES_KEY });
}
