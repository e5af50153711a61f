import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import type { components, paths } from '../../lib/api/schema';

export type DashboardOut = components['schemas']['DashboardOut'];
export type FigureOut = components['schemas']['FigureOut'];
export type BucketOut = components['schemas']['BucketOut'];
export type HoursBucketOut = components['schemas']['HoursBucketOut'];
export type KpiChangeOut = components['schemas']['KpiChangeOut'];
export type ThemeStagesOut = components['schemas']['ThemeStagesOut'];
export type MilestoneListItemOut = components['schemas']['MilestoneListItemOut'];
export type MilestoneQuery = paths['/api/v1/milestones']['get']['parameters']['query'];

/** What a dashboard is computed for; the same for the city and for one bureau. */
export interface DashboardParams {
  fiscalYear: number;
  asOf: string;
  /** Absent: the server's 60 days. */
  staleDays?: number | undefined;
  /** Count only what was recorded by the end of this day; absent: every record (the live view). */
  asKnownOn?: string | undefined;
}

export const DASHBOARD_KEY = ['dashboard'] as const;

export const dashboardKeys = {
  city: (params: DashboardParams) => [...DASHBOARD_KEY, 'city', params] as const,
  bureau: (bureauId: number, params: DashboardParams) => [...DASHBOARD_KEY, 'bureau', bureauId, params] as const,
  milestones: (query: MilestoneQuery) => ['milestones', 'list', query] as const,
};

function dashboardQuery(params: DashboardParams) {
  return {
    fiscal_year: params.fiscalYear,
    as_of: params.asOf,
    ...(params.staleDays !== undefined ? { stale_days: params.staleDays } : {}),
    ...(params.asKnownOn !== undefined ? { as_known_on: params.asKnownOn } : {}),
  };
}

/**
 * The city's dashboard, or one bureau's when `bureauId` is given. Idle until the parameters are
 * known (the default fiscal year waits for the project teams). The server answers 304 to the
 * browser's If-None-Match, so refetching an unchanged dashboard costs no body.
 */
export function useDashboard(bureauId: number | undefined, params: DashboardParams | undefined) {
  const api = useApi();
  return useQuery({
    queryKey:
      bureauId === undefined
        ? dashboardKeys.city(params ?? { fiscalYear: 0, asOf: '' })
        : dashboardKeys.bureau(bureauId, params ?? { fiscalYear: 0, asOf: '' }),
    queryFn: async ({ signal }): Promise<DashboardOut> => {
      const query = dashboardQuery(params!);
      if (bureauId === undefined) {
        return dataOf(await api.client.GET('/api/v1/dashboard', { params: { query }, signal }));
      }
      return dataOf(
        await api.client.GET('/api/v1/bureaus/{id}/dashboard', { params: { path: { id: bureauId }, query }, signal }),
      );
    },
    enabled: params !== undefined && (bureauId === undefined || (Number.isSafeInteger(bureauId) && bureauId > 0)),
    placeholderData: keepPreviousData,
  });
}

export function useMilestoneList(query: MilestoneQuery) {
  const api = useApi();
  return useQuery({
    queryKey: dashboardKeys.milestones(query),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/milestones', { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}
