// The sent-mail view's queries (GET /api/v1/admin/sent-mail and /{id}): admins only.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { dataOf, useApi } from '../../lib/api';
import type { components } from '../../lib/api/schema';

export type SentMailSummaryOut = components['schemas']['SentMailSummaryOut'];
export type SentMailOut = components['schemas']['SentMailOut'];

export const PER_PAGE = 50;

const SENT_MAIL_KEY = ['sent-mail'] as const;

export function useSentMailList(page: number, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: [...SENT_MAIL_KEY, 'list', page],
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/admin/sent-mail', { params: { query: { page, per_page: PER_PAGE } }, signal })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useSentMail(id: number, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: [...SENT_MAIL_KEY, 'detail', id],
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/admin/sent-mail/{id}', { params: { path: { id } }, signal })),
    enabled: enabled && Number.isSafeInteger(id) && id > 0,
  });
}
