import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, tokenOut, viewerUser } from '../../test/http';
import type { SentMailOut, SentMailSummaryOut } from './api';
import { renderSentMail } from './renderSentMail';

const recorded: SentMailSummaryOut = {
  id: 7,
  to_address: 'hanako@city.example.jp',
  user_id: 3,
  subject: '【Platina】提案の担当課への割当て：提案「窓口のキャッシュレス化」が割り当てられました',
  kind: 'immediate',
  transport: 'recorded',
  sent_at: '2026-12-06T08:03:00Z',
  error: null,
  notification_count: 1,
};

const refused: SentMailSummaryOut = {
  ...recorded,
  id: 6,
  to_address: 'nobody@city.example.jp',
  subject: '【Platina】12月6日 のお知らせのまとめ（3 件）',
  kind: 'digest',
  transport: 'smtp',
  error: 'SMTP 550: permanent error (550): refused',
  notification_count: 3,
};

const detail: SentMailOut = {
  id: 7,
  to_address: recorded.to_address,
  user_id: 3,
  subject: recorded.subject,
  body: 'テスト 花子 様\n\n詳しくは次のページをご覧ください。\nhttp://localhost:8080/proposals/12\n',
  kind: 'immediate',
  transport: 'recorded',
  message_id: 'notification.41@city.example.jp',
  notification_ids: [41],
  sent_at: recorded.sent_at,
  smtp_reply: null,
  error: null,
};

function server(user = tokenOut('token-1')) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    'GET /api/v1/admin/sent-mail': () => json({ items: [recorded, refused], total: 2, page: 1, per_page: 50 }),
    'GET /api/v1/admin/sent-mail/7': () => json(detail),
  });
}

describe('the sent mail', () => {
  it('lists each mail with its recipient, subject, kind and whether it was sent, recorded or refused', async () => {
    const { fetch } = server();
    renderSentMail('/admin/sent-mail', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '送信済みメール' })).toBeInTheDocument();
    const rows = await screen.findAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent('hanako@city.example.jp');
    expect(rows[1]).toHaveTextContent('すぐに');
    expect(rows[1]).toHaveTextContent('記録のみ');
    expect(rows[1]).toHaveTextContent('令和8年12月6日 17:03');
    expect(rows[2]).toHaveTextContent('1日のまとめ');
    expect(rows[2]).toHaveTextContent('送信できず');
    expect(within(rows[1]!).getByRole('link', { name: recorded.subject })).toHaveAttribute('href', '/admin/sent-mail/7');
  });

  it('opens one mail and shows its text as it was sent', async () => {
    const { fetch } = server();
    renderSentMail('/admin/sent-mail', fetch);
    await userEvent.click(await screen.findByRole('link', { name: recorded.subject }));

    expect(await screen.findByRole('heading', { level: 1, name: recorded.subject })).toBeInTheDocument();
    const headers = screen.getByTestId('sent-mail-headers');
    expect(headers).toHaveTextContent('宛先hanako@city.example.jp');
    expect(headers).toHaveTextContent('notification.41@city.example.jp');
    expect(screen.getByText(/http:\/\/localhost:8080\/proposals\/12/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '送信済みメールの一覧へ' })).toHaveAttribute('href', '/admin/sent-mail');
  });

  it('tells anyone but an admin that the view is not theirs, without asking the server', async () => {
    const { fetch, calls } = server(tokenOut('token-4', viewerUser));
    renderSentMail('/admin/sent-mail', fetch);
    expect(await screen.findByRole('alert')).toHaveTextContent('管理者だけ');
    expect(calls.some((c) => c.path.startsWith('/api/v1/admin/sent-mail'))).toBe(false);
  });
});
