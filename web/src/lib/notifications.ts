// The signed-in person's notifications as more than one screen needs them: the unread count the
// header's bell polls (with If-None-Match, so an unchanged count costs a 304), and whether they
// follow a record (the follow toggle on record pages).
import { useRef } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { dataOf, isApiProblem, useApi } from './api';
import type { components } from './api/schema';

export type NotificationOut = components['schemas']['NotificationOut'];
export type PreferencesOut = components['schemas']['PreferencesOut'];
export type PreferencesIn = components['schemas']['PreferencesIn'];
export type SubscriptionOut = components['schemas']['SubscriptionOut'];
export type FollowableKind = 'proposal' | 'policy_issue';

/** How often the bell asks for the unread count: a new assignment shows within a minute. */
export const UNREAD_POLL_MS = 30_000;

export const NOTIFICATIONS_KEY = ['notifications'] as const;
export const notificationKeys = {
  unread: [...NOTIFICATIONS_KEY, 'unread-count'] as const,
  list: (unreadOnly: boolean, page: number) => [...NOTIFICATIONS_KEY, 'list', unreadOnly, page] as const,
  preferences: [...NOTIFICATIONS_KEY, 'preferences'] as const,
  subscription: (kind: FollowableKind, id: number) => [...NOTIFICATIONS_KEY, 'subscription', kind, id] as const,
};

/** The unread count, polled; a 304 keeps the count the bell already shows. */
export function useUnreadCount() {
  const api = useApi();
  const queryClient = useQueryClient();
  const etag = useRef<string | null>(null);
  return useQuery({
    queryKey: notificationKeys.unread,
    queryFn: async ({ signal }) => {
      const known = queryClient.getQueryData<number>(notificationKeys.unread);
      try {
        const result = await api.client.GET('/api/v1/me/notifications/unread-count', {
          params: { header: etag.current && known !== undefined ? { 'If-None-Match': etag.current } : {} },
          signal,
        });
        etag.current = result.response.headers.get('ETag');
        const count = dataOf(result).unread;
        // Something new arrived (or was read elsewhere): a list on screen shows it too.
        if (known !== undefined && count !== known) {
          void queryClient.invalidateQueries({ queryKey: [...NOTIFICATIONS_KEY, 'list'] });
        }
        return count;
      } catch (error) {
        if (isApiProblem(error) && error.status === 304 && known !== undefined) return known;
        throw error;
      }
    },
    refetchInterval: UNREAD_POLL_MS,
    refetchIntervalInBackground: false,
    retry: false,
  });
}

/** Whether the caller follows a record, and the mutation that changes it. */
export function useFollowing(kind: FollowableKind, id: number) {
  const api = useApi();
  const queryClient = useQueryClient();
  const key = notificationKeys.subscription(kind, id);
  const status = useQuery({
    queryKey: key,
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/me/subscriptions/{record_kind}/{record_id}', {
          params: { path: { record_kind: kind, record_id: id } },
          signal,
        }),
      ),
    enabled: Number.isSafeInteger(id) && id > 0,
    retry: false,
  });
  const change = useMutation({
    mutationFn: async (follow: boolean) => {
      const params = { params: { path: { record_kind: kind, record_id: id } } };
      return dataOf(
        follow
          ? await api.client.PUT('/api/v1/me/subscriptions/{record_kind}/{record_id}', params)
          : await api.client.DELETE('/api/v1/me/subscriptions/{record_kind}/{record_id}', params),
      );
    },
    onSuccess: (data) => queryClient.setQueryData(key, data),
  });
  return { status, change };
}
