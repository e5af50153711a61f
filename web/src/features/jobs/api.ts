// The job queue as the admin screen reads and changes it (GET/POST /api/v1/admin/jobs…).
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import type { components, paths } from '../../lib/api/schema';

export type JobOut = components['schemas']['JobOut'];
export type JobListOut = components['schemas']['JobListOut'];
export type JobCountOut = components['schemas']['JobCountOut'];
export type JobQuery = NonNullable<paths['/api/v1/admin/jobs']['get']['parameters']['query']>;

/** The states a job goes through, in the order the counts table shows them. */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** The root of every job query: a retry or cancel refreshes them all. */
export const JOBS_KEY = ['admin-jobs'] as const;

export const jobKeys = {
  list: (query: JobQuery) => [...JOBS_KEY, 'list', query] as const,
};

/** How often the screen asks again while it is open: the queue moves on its own. */
export const JOBS_REFRESH_MS = 5000;

/** A page of jobs and the counts of the whole queue; refreshed while the screen is open. */
export function useJobList(query: JobQuery, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: jobKeys.list(query),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/admin/jobs', { params: { query }, signal })),
    enabled,
    placeholderData: keepPreviousData,
    refetchInterval: JOBS_REFRESH_MS,
  });
}

function useJobAction(action: 'retry' | 'cancel') {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number): Promise<JobOut> =>
      dataOf(
        action === 'retry'
          ? await api.client.POST('/api/v1/admin/jobs/{id}/retry', { params: { path: { id } } })
          : await api.client.POST('/api/v1/admin/jobs/{id}/cancel', { params: { path: { id } } }),
      ),
    // After a refusal too: the job's state changed under the admin's eyes.
    onSettled: () => queryClient.invalidateQueries({ queryKey: JOBS_KEY }),
  });
}

/** Queues a dead or cancelled job again (409 when it is neither any more). */
export function useRetryJob() {
  return useJobAction('retry');
}

/** Cancels a queued job (409 when it has started or finished meanwhile). */
export function useCancelJob() {
  return useJobAction('cancel');
}
