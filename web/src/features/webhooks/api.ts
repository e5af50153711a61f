// The webhook admin API (/api/v1/admin/webhooks): endpoints, secrets shown once, test pings, the
// delivery log and redelivery.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { dataOf, ifMatch, useApi } from '../../lib/api';
import type { components } from '../../lib/api/schema';

type Schemas = components['schemas'];
export type WebhookOut = Schemas['WebhookOut'];
export type WebhookIn = Schemas['WebhookIn'];
export type WebhookSecretOut = Schemas['WebhookSecretOut'];
export type WebhookDeliveryOut = Schemas['WebhookDeliveryOut'];
export type EventKind = WebhookIn['event_kinds'][number];

/** Every event kind an endpoint may ask for, in the order the server lists them. */
export const EVENT_KINDS: readonly EventKind[] = [
  'proposal.created',
  'proposal.assigned',
  'proposal.stage_changed',
  'proposal.decided',
  'proposal.consulted',
  'milestone.slipped',
  'milestone.overdue',
  'kpi.actual_recorded',
  'import.finished',
  'import.failed',
  'account.created',
  'webhook.disabled',
  'round.request_opened',
  'round.request_returned',
  'round.reminder',
  'round.nudged',
];

const WEBHOOKS_KEY = ['admin', 'webhooks'] as const;
const deliveriesKey = (id: number) => [...WEBHOOKS_KEY, id, 'deliveries'] as const;

export function useWebhooks() {
  const api = useApi();
  return useQuery({
    queryKey: WEBHOOKS_KEY,
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/admin/webhooks', { params: { query: { per_page: 200 } }, signal })),
  });
}

export function useDeliveries(id: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: deliveriesKey(id ?? 0),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/admin/webhooks/{id}/deliveries', {
          params: { path: { id: id ?? 0 }, query: { per_page: 50 } },
          signal,
        }),
      ),
    enabled: id !== null,
    // Deliveries happen in the background: look again while the log is open.
    refetchInterval: 3000,
  });
}

function useInvalidate() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
}

export function useCreateWebhook() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (body: WebhookIn): Promise<WebhookSecretOut> =>
      dataOf(await api.client.POST('/api/v1/admin/webhooks', { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateWebhook() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (input: { id: number; version: number; body: WebhookIn }): Promise<WebhookOut> =>
      dataOf(
        await api.client.PUT('/api/v1/admin/webhooks/{id}', {
          params: { path: { id: input.id }, header: { 'If-Match': ifMatch(input.version) } },
          body: input.body,
        }),
      ),
    onSettled: invalidate,
  });
}

export function useDeleteWebhook() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (input: { id: number; version: number }) => {
      const result = await api.client.DELETE('/api/v1/admin/webhooks/{id}', {
        params: { path: { id: input.id }, header: { 'If-Match': ifMatch(input.version) } },
      });
      if (!result.response.ok) dataOf(result);
    },
    onSettled: invalidate,
  });
}

export function useRotateSecret() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (id: number): Promise<WebhookSecretOut> =>
      dataOf(
        await api.client.POST('/api/v1/admin/webhooks/{id}/rotate-secret', { params: { path: { id } }, body: {} }),
      ),
    onSuccess: invalidate,
  });
}

export function useTestWebhook() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      dataOf(await api.client.POST('/api/v1/admin/webhooks/{id}/test', { params: { path: { id } } })),
    onSuccess: (_, id) => queryClient.invalidateQueries({ queryKey: deliveriesKey(id) }),
  });
}

export function useRedeliver() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (delivery: WebhookDeliveryOut) =>
      dataOf(
        await api.client.POST('/api/v1/admin/webhook-deliveries/{id}/redeliver', {
          params: { path: { id: delivery.id } },
        }),
      ),
    onSuccess: (_, delivery) => queryClient.invalidateQueries({ queryKey: deliveriesKey(delivery.endpoint_id) }),
  });
}
