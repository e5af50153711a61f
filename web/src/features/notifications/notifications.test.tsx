import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, tokenOut, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { editorUser } from '../../test/fixtures/proposals';
import type { NotificationOut, PreferencesOut } from '../../lib/notifications';

function notification(overrides: Partial<NotificationOut> = {}): NotificationOut {
  return {
    id: 41,
    kind: 'proposal.assigned',
    kind_label: '提案の担当課への割当て',
    title: '提案「保育所の入所申請をオンラインで」の担当に総務企画課が割り当てられました',
    link: '/proposals/7',
    record_kind: 'proposal',
    record_id: 7,
    occurred_at: '2025-11-25T01:00:00Z',
    read_at: null,
    email_mode: 'immediate',
    ...overrides,
  };
}

function page(items: NotificationOut[]) {
  return json({ items, total: items.length, page: 1, per_page: 50 });
}

function server(extra: Record<string, Handler> = {}) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-3', editorUser)),
    'GET /api/v1/me/notifications/unread-count': () => json({ unread: 2 }, 200, { ETag: 'W/"n3-2-41-0"' }),
    'GET /api/v1/me/notifications': () =>
      page([notification(), notification({ id: 40, title: '提案「粗大ごみの予約」が登録されました', link: '/proposals/8', read_at: '2025-11-24T00:00:00Z', email_mode: 'none' })]),
    ...extra,
  });
}

describe('the notification bell', () => {
  it('shows the unread count and links to the list', async () => {
    const { fetch } = server();
    renderApp('/notifications', fetch);
    const bell = await screen.findByRole('link', { name: 'お知らせ（未読 2 件）' });
    expect(bell).toHaveAttribute('href', '/notifications');
    expect(within(bell).getByTestId('notification-count')).toHaveTextContent('2');
  });

  it('asks again with If-None-Match and keeps its count on 304, takes the new one on 200', async () => {
    let answer: 'same' | 'risen' = 'same';
    const seen: (string | null)[] = [];
    const { fetch } = server({
      'GET /api/v1/me/notifications/unread-count': (request) => {
        seen.push(request.headers.get('If-None-Match'));
        if (seen.length === 1) return json({ unread: 2 }, 200, { ETag: 'W/"a"' });
        if (answer === 'same') return new Response(null, { status: 304, headers: { ETag: 'W/"a"' } });
        return json({ unread: 5 }, 200, { ETag: 'W/"b"' });
      },
      'POST /api/v1/me/notifications/read-all': () => json({ marked: 0 }),
    });
    renderApp('/notifications', fetch);
    await screen.findByRole('link', { name: 'お知らせ（未読 2 件）' });

    // Marking all read refreshes every notification query, the bell's among them.
    await userEvent.click(screen.getByRole('button', { name: 'すべて既読にする' }));
    await waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]).toBe('W/"a"');
    expect(screen.getByRole('link', { name: 'お知らせ（未読 2 件）' })).toBeInTheDocument();

    answer = 'risen';
    await userEvent.click(screen.getByRole('button', { name: 'すべて既読にする' }));
    expect(await screen.findByRole('link', { name: 'お知らせ（未読 5 件）' })).toBeInTheDocument();
    expect(seen[2]).toBe('W/"a"');
  });
});

describe('the notification list', () => {
  it('lists notifications newest first with deep links, and marks one or all read', async () => {
    const { fetch, calls } = server({
      'POST /api/v1/me/notifications/41/read': () => new Response(null, { status: 204 }),
      'POST /api/v1/me/notifications/read-all': () => json({ marked: 1 }),
    });
    renderApp('/notifications', fetch);
    expect(await screen.findByRole('heading', { level: 1, name: 'お知らせ' })).toBeInTheDocument();
    const items = await screen.findAllByTestId('notification');
    expect(items).toHaveLength(2);
    const first = within(items[0]!);
    expect(first.getByText('未読')).toBeInTheDocument();
    expect(first.getByRole('link', { name: /総務企画課が割り当てられました/ })).toHaveAttribute('href', '/proposals/7');
    expect(first.getByText(/メールでも通知/)).toBeInTheDocument();
    // A read notification offers no "mark read".
    expect(within(items[1]!).queryByRole('button')).not.toBeInTheDocument();

    await userEvent.click(first.getByRole('button', { name: /既読にする/ }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/me/notifications/41/read')).toBe(true));

    await userEvent.click(screen.getByRole('button', { name: 'すべて既読にする' }));
    expect(await screen.findByText('1 件を既読にしました。')).toBeInTheDocument();
  });

  it('asks for unread ones only when the filter is on', async () => {
    const { fetch, calls } = server();
    renderApp('/notifications', fetch);
    await screen.findAllByTestId('notification');
    await userEvent.click(screen.getByRole('checkbox', { name: '未読のみ表示' }));
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/me/notifications' && c.method === 'GET')).toBe(true));
    const requested = () =>
      (fetch as unknown as { mock: { calls: [RequestInfo | URL, RequestInit?][] } }).mock.calls
        .map(([input, init]) => new Request(input, init).url)
        .filter((url) => url.includes('/api/v1/me/notifications?'));
    await waitFor(() => expect(requested().some((url) => url.includes('unread=true'))).toBe(true));
    expect(requested()[0]).not.toContain('unread=true');
  });
});

describe('the notification preferences', () => {
  const prefs: PreferencesOut = {
    digest_hour: 8,
    kinds: [
      { kind: 'proposal.assigned', label_ja: '提案の担当課への割当て', label_en: 'Proposal assigned to a section', channel: 'email', default_channel: 'email' },
      { kind: 'proposal.stage_changed', label_ja: '提案の検討段階の変更', label_en: 'Proposal stage changed', channel: 'in_app', default_channel: 'in_app' },
    ],
  };

  it('saves a channel per kind and the digest hour', async () => {
    const { fetch, calls } = server({
      'GET /api/v1/me/notification-preferences': () => json(prefs),
      'PUT /api/v1/me/notification-preferences': async (request) => {
        const body = (await request.json()) as { channels: Record<string, string>; digest_hour: number };
        return json({
          digest_hour: body.digest_hour,
          kinds: prefs.kinds.map((k) => ({ ...k, channel: body.channels[k.kind] ?? k.channel })),
        });
      },
    });
    renderApp('/notifications/preferences', fetch);
    const assigned = await screen.findByRole('combobox', { name: '提案の担当課への割当て' });
    expect(assigned).toHaveValue('email');
    await userEvent.selectOptions(assigned, 'digest');
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'まとめメールの時刻' }), '7');
    await userEvent.click(screen.getByRole('button', { name: '保存' }));
    expect(await screen.findByText('通知の設定を保存しました。')).toBeInTheDocument();
    const put = calls.find((c) => c.method === 'PUT');
    expect(JSON.parse(put!.body)).toEqual({
      channels: { 'proposal.assigned': 'digest', 'proposal.stage_changed': 'in_app' },
      digest_hour: 7,
    });
  });
});
