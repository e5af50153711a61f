import { describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import type { WebhookDeliveryOut, WebhookOut } from './api';

const kintone: WebhookOut = {
  id: 3,
  url: 'https://kintone-bridge.city.example.jp/platina',
  description: 'kintone 連携',
  event_kinds: ['proposal.assigned'],
  enabled: true,
  disabled_reason: null,
  failing_since: null,
  previous_secret_expires_at: null,
  version: 2,
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
};

const failedDelivery: WebhookDeliveryOut = {
  id: 41,
  endpoint_id: 3,
  event_id: 12,
  event_kind: 'proposal.assigned',
  message_id: 'msg_12_3',
  attempt: 2,
  status_code: 503,
  response_time_ms: 87,
  succeeded: false,
  error: 'answered 503 Service Unavailable',
  at: '2026-12-06T01:02:03Z',
};

const page = (items: WebhookOut[]) => json({ items, total: items.length, page: 1, per_page: 200 });

function server(routes: Record<string, Handler>, user = tokenOut('token-1')) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    'GET /api/v1/admin/webhooks': () => page([kintone]),
    ...routes,
  });
}

describe('the webhook screen', () => {
  it('registers an endpoint for the chosen events and shows its secret this once', async () => {
    let registered: WebhookOut[] = [kintone];
    const { fetch, calls } = server({
      'GET /api/v1/admin/webhooks': () => page(registered),
      'POST /api/v1/admin/webhooks': async (request) => {
        const body = (await request.json()) as { url: string; event_kinds: WebhookOut['event_kinds'] };
        const made: WebhookOut = { ...kintone, id: 4, url: body.url, event_kinds: body.event_kinds, description: '' };
        registered = [kintone, made];
        return json({ webhook: made, secret: 'whsec_c2VjcmV0LXNob3duLW9uY2U=' }, 201);
      },
    });
    renderApp('/admin/webhooks', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: 'Webhook 送信先' })).toBeInTheDocument();
    const table = await screen.findByRole('table');
    expect(within(table).getByText(kintone.url)).toBeInTheDocument();
    expect(within(table).getByText('提案の担当課への割当て')).toBeInTheDocument();

    const user = userEvent.setup();
    const form = screen.getByRole('form', { name: '送信先の登録' });
    await user.type(within(form).getByLabelText('送信先 URL'), 'https://ledger.city.example.jp/hook');
    await user.click(within(form).getByRole('checkbox', { name: /マイルストーンの遅延/ }));
    await user.click(within(form).getByRole('checkbox', { name: /KPI 実績の記録/ }));
    await user.click(within(form).getByRole('button', { name: '登録' }));

    expect(await screen.findByTestId('webhook-secret')).toHaveTextContent('whsec_c2VjcmV0LXNob3duLW9uY2U=');
    const sent = JSON.parse(calls.find((c) => c.method === 'POST' && c.path === '/api/v1/admin/webhooks')?.body ?? '{}');
    expect(sent).toEqual({
      url: 'https://ledger.city.example.jp/hook',
      description: null,
      event_kinds: ['milestone.slipped', 'kpi.actual_recorded'],
      enabled: true,
    });
    expect(await within(screen.getByRole('table')).findByText('https://ledger.city.example.jp/hook')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: '保存したので閉じる' }));
    expect(screen.queryByTestId('webhook-secret')).not.toBeInTheDocument();
  });

  it('shows the server’s reason beside the URL it refused', async () => {
    const { fetch } = server({
      'POST /api/v1/admin/webhooks': () =>
        problem(422, 'validation_failed', 'Some fields are invalid', {
          errors: [{ pointer: '/url', location: 'body', code: 'invalid_url', message: 'the URL must start with http:// or https://' }],
        }),
    });
    renderApp('/admin/webhooks', fetch);
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: '送信先の登録' });
    await user.type(within(form).getByLabelText('送信先 URL'), 'ftp://files.city.example.jp');
    await user.click(within(form).getByRole('checkbox', { name: /提案の登録/ }));
    await user.click(within(form).getByRole('button', { name: '登録' }));

    const url = within(form).getByLabelText('送信先 URL');
    await waitFor(() => expect(url).toHaveAttribute('aria-invalid', 'true'));
    expect(url).toHaveAccessibleDescription(/http:\/\/ または https:\/\//);
    expect(screen.queryByTestId('webhook-secret')).not.toBeInTheDocument();
  });

  it('shows the delivery log with status, response time and error, and redelivers an attempt', async () => {
    const { fetch, calls } = server({
      'GET /api/v1/admin/webhooks/3/deliveries': () => json({ items: [failedDelivery], total: 1, page: 1, per_page: 50 }),
      'POST /api/v1/admin/webhook-deliveries/41/redeliver': () => json({ endpoint_id: 3, message_id: 'msg_12_3' }, 202),
    });
    renderApp('/admin/webhooks', fetch);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: '配信履歴' }));

    const log = await screen.findByRole('region', { name: `${kintone.url} の配信履歴` });
    const row = await within(log).findByRole('row', { name: /msg_12_3/ });
    expect(row).toHaveTextContent('503 失敗');
    expect(row).toHaveTextContent('87 ミリ秒');
    expect(row).toHaveTextContent('answered 503 Service Unavailable');
    expect(row).toHaveTextContent('2');

    await user.click(within(row).getByRole('button', { name: 'msg_12_3 を再送' }));
    expect(await screen.findByText('msg_12_3 の再送を受け付けました。')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/admin/webhook-deliveries/41/redeliver')).toBe(true);
  });

  it('rotates a secret after asking, and shows the new one with the end of the overlap', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const { fetch } = server({
      'POST /api/v1/admin/webhooks/3/rotate-secret': () =>
        json({
          webhook: { ...kintone, version: 3, previous_secret_expires_at: '2026-12-07T03:00:00Z' },
          secret: 'whsec_bmV3LXNlY3JldA==',
        }),
    });
    renderApp('/admin/webhooks', fetch);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: '秘密鍵を更新' }));
    expect(await screen.findByTestId('webhook-secret')).toHaveTextContent('whsec_bmV3LXNlY3JldA==');
    expect(screen.getByText(/古い秘密鍵も .* まで署名に使われます。/)).toBeInTheDocument();
  });
});
