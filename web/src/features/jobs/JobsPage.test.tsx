import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, viewerUser, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import type { JobCountOut, JobListOut, JobOut } from './api';

function job(overrides: Partial<JobOut>): JobOut {
  return {
    id: 1,
    kind: 'mail.send',
    state: 'queued',
    attempts: 0,
    max_attempts: 8,
    run_at: '2026-12-06T03:00:00Z',
    locked_by: null,
    locked_until: null,
    last_error: null,
    dedupe_key: null,
    payload: { notification_id: 1 },
    created_at: '2026-12-06T02:59:00Z',
    updated_at: '2026-12-06T02:59:00Z',
    finished_at: null,
    can_retry: false,
    can_cancel: true,
    ...overrides,
  };
}

const deadMail = job({
  id: 7,
  state: 'dead',
  attempts: 8,
  last_error: 'SMTP 550 宛先のメールボックスがありません',
  finished_at: '2026-12-06T04:00:00Z',
  can_retry: true,
  can_cancel: false,
});
const queuedHook = job({ id: 9, kind: 'webhook.deliver', payload: { delivery_id: 3 } });
const counts: JobCountOut[] = [
  { kind: 'mail.send', state: 'dead', count: 1 },
  { kind: 'mail.send', state: 'succeeded', count: 120 },
  { kind: 'webhook.deliver', state: 'queued', count: 1 },
];

function page(items: JobOut[], query: URLSearchParams): JobListOut {
  const perPage = Number(query.get('per_page') ?? 50);
  return { items, total: items.length, page: 1, per_page: perPage, counts };
}

/** The job endpoints over a small queue; every list query is recorded. */
function jobServer(routes: Record<string, Handler> = {}, user = tokenOut('token-1')) {
  const queries: URLSearchParams[] = [];
  const fake = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    'GET /api/v1/admin/jobs': (request) => {
      const query = new URL(request.url).searchParams;
      queries.push(query);
      const jobs = [queuedHook, deadMail].filter(
        (j) => (!query.get('state') || j.state === query.get('state')) && (!query.get('kind') || j.kind === query.get('kind')),
      );
      return json(page(jobs, query));
    },
    ...routes,
  });
  return { ...fake, queries };
}

describe('the jobs screen', () => {
  it('shows the counts by kind and state, the failures with their last error, and every job', async () => {
    const { fetch } = jobServer();
    renderApp('/admin/jobs', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: 'ジョブ' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'ジョブ' })).toHaveAttribute('aria-current', 'page');

    const countsTable = await screen.findByRole('table', { name: 'ジョブの種類ごと・状態ごとの件数' });
    const mailRow = within(countsTable).getByRole('row', { name: /^mail\.send/ });
    expect(within(mailRow).getAllByRole('cell').map((cell) => cell.textContent)).toEqual(['0', '0', '120', '1', '0']);
    expect(within(mailRow).getByRole('link', { name: 'mail.sendの失敗のジョブ 1件を表示' })).toHaveAttribute(
      'href',
      '/admin/jobs?kind=mail.send&state=dead',
    );

    const failures = screen.getByRole('region', { name: '失敗したジョブ' });
    expect(await within(failures).findByText('SMTP 550 宛先のメールボックスがありません')).toBeInTheDocument();
    expect(within(failures).getByRole('button', { name: 'ジョブ #7（mail.send）を再実行' })).toBeEnabled();

    const list = screen.getByRole('table', { name: 'ジョブの一覧（2件）' });
    const rows = within(list).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getByRole('rowheader').textContent)).toEqual(['#9', '#7']);
    expect(within(rows[0]!).getByRole('button', { name: 'ジョブ #9（webhook.deliver）を取り消す' })).toBeInTheDocument();
    expect(within(rows[0]!).queryByRole('button', { name: /再実行/ })).not.toBeInTheDocument();
    expect(within(rows[1]!).getByText('失敗')).toBeInTheDocument();
  });

  it('filters the list by kind and state through the address', async () => {
    const { fetch, queries } = jobServer();
    renderApp('/admin/jobs', fetch);
    const user = userEvent.setup();
    await screen.findByRole('table', { name: 'ジョブの一覧（2件）' });

    await user.selectOptions(screen.getByRole('combobox', { name: '状態' }), 'dead');

    expect(await screen.findByRole('table', { name: 'ジョブの一覧（1件）' })).toBeInTheDocument();
    expect(screen.getByText('状態: 失敗')).toBeInTheDocument();
    await waitFor(() =>
      expect(queries.some((q) => q.get('state') === 'dead' && q.get('per_page') === '50')).toBe(true),
    );
    await user.selectOptions(screen.getByRole('combobox', { name: '種類' }), 'webhook.deliver');
    expect(await screen.findByText('ジョブはありません。', { selector: '[data-testid="job-count"]' })).toBeInTheDocument();
    expect(queries.at(-1)?.get('kind')).toBe('webhook.deliver');
  });

  it('retries a failed job and says so', async () => {
    const retried: string[] = [];
    const { fetch } = jobServer({
      'POST /api/v1/admin/jobs/7/retry': (request) => {
        retried.push(new URL(request.url).pathname);
        return json({ ...deadMail, state: 'queued', attempts: 0, can_retry: false, can_cancel: true });
      },
    });
    renderApp('/admin/jobs', fetch);
    const user = userEvent.setup();
    const failures = await screen.findByRole('region', { name: '失敗したジョブ' });
    await user.click(await within(failures).findByRole('button', { name: 'ジョブ #7（mail.send）を再実行' }));

    expect(await screen.findByText('ジョブ #7（mail.send）を再実行の待ち行列に戻しました。')).toBeInTheDocument();
    expect(retried).toEqual(['/api/v1/admin/jobs/7/retry']);
  });

  it('explains a cancel refused because the job started meanwhile', async () => {
    const { fetch } = jobServer({
      'POST /api/v1/admin/jobs/9/cancel': () =>
        problem(409, 'conflict', 'Conflicts with the current state', { detail: 'job 9 is running: only queued jobs are cancelled' }),
    });
    renderApp('/admin/jobs', fetch);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'ジョブ #9（webhook.deliver）を取り消す' }));

    const announcement = await screen.findByText(
      'ジョブ #9 の状態が変わったため、操作できませんでした。一覧を最新の状態にしました。',
    );
    expect(announcement).toHaveClass('notice--error');
  });

  it('tells someone who is not an administrator that the screen is not theirs, and asks nothing', async () => {
    const { fetch, queries } = jobServer({}, tokenOut('token-1', viewerUser));
    renderApp('/admin/jobs', fetch);

    expect(await screen.findByText('ジョブの管理は、管理者（市政変革推進室）だけが行えます。')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(queries).toEqual([]);
  });
});
