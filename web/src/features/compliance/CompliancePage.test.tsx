import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, viewerUser } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import type { ComplianceFiguresOut, ComplianceOut, RequestsLink, TrendOut } from './api';

function link(extra: Partial<RequestsLink>): RequestsLink {
  return {
    round_id: 3,
    state: null,
    overdue: null,
    bureau_id: null,
    section_id: null,
    owner_kind: null,
    href: '/api/v1/rounds/3/requests',
    ...extra,
  };
}

function figures(counts: [number, number, number, number], scope: Partial<RequestsLink>): ComplianceFiguresOut {
  const [requested, answered, returned, overdue] = counts;
  return {
    requested: { count: requested, requests: link(scope) },
    answered: { count: answered, requests: link({ ...scope, state: 'answered,accepted' }) },
    returned: { count: returned, requests: link({ ...scope, state: 'returned' }) },
    overdue: { count: overdue, requests: link({ ...scope, overdue: true }) },
    answered_rate: requested === 0 ? null : answered / requested,
    median_business_days_to_answer: answered === 0 ? null : 2,
  };
}

const view: ComplianceOut = {
  round_id: 3,
  title: '令和7年度 第4四半期 進捗照会',
  as_of: '2026-03-31',
  due_on: '2026-05-07',
  state: 'open',
  today: '2026-05-08',
  totals: figures([2, 1, 0, 1], {}),
  bureaus: [
    {
      bureau_id: 5,
      bureau_name: '八幡西区役所',
      figures: figures([2, 1, 0, 1], { bureau_id: 5 }),
      owners: [
        {
          owner_kind: 'section',
          owner_id: 11,
          owner_name: '国保年金課',
          request_id: 21,
          state: 'unanswered',
          state_label: '未回答',
          figures: figures([1, 0, 0, 1], { section_id: 11 }),
        },
        {
          owner_kind: 'section',
          owner_id: 12,
          owner_name: '保護課',
          request_id: 22,
          state: 'accepted',
          state_label: '受理',
          figures: figures([1, 1, 0, 0], { section_id: 12 }),
        },
      ],
    },
  ],
  reminders: [{ date: '2026-04-30', kind: 'before_due', reminded: 2, skipped: false }],
};

describe('the compliance screen of a round', () => {
  it('links every number to the requests it counts and chases one owner or all overdue ones', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
      'GET /api/v1/rounds/3/compliance': () => json(view),
      'POST /api/v1/round-requests/21/nudge': () => json({}),
      'POST /api/v1/rounds/3/nudge-overdue': () => json({ nudged: [], recently_nudged: [21] }),
    });
    renderApp('/rounds/3/compliance', fetch);

    expect(
      await screen.findByRole('heading', { level: 1, name: '回答状況：令和7年度 第4四半期 進捗照会' }),
    ).toBeInTheDocument();
    const table = screen.getByRole('table', { name: '八幡西区役所の回答状況' });
    expect(within(table).getByRole('link', { name: '国保年金課の期限超過 1件の依頼を表示' })).toHaveAttribute(
      'href',
      '/rounds/3?overdue=true&section_id=11',
    );
    expect(within(table).getByRole('link', { name: '八幡西区役所の回答済 1件の依頼を表示' })).toHaveAttribute(
      'href',
      '/rounds/3?state=answered%2Caccepted&bureau_id=5',
    );
    expect(screen.getByRole('row', { name: /^全体/ })).toHaveTextContent('50%');
    // Only owners still waiting can be chased.
    expect(within(table).queryByRole('button', { name: '保護課に督促する' })).not.toBeInTheDocument();

    await userEvent.click(within(table).getByRole('button', { name: '国保年金課に督促する' }));
    expect(await screen.findByText('国保年金課に督促しました。')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: '期限超過の所管すべてに督促する' }));
    expect(
      await screen.findByText('0件の依頼に督促しました（1時間以内に督促済みの 1件を除く）。'),
    ).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST' && c.path.includes('nudge')).map((c) => c.path)).toEqual([
      '/api/v1/round-requests/21/nudge',
      '/api/v1/rounds/3/nudge-overdue',
    ]);
  });

  it('says so when an owner was chased within the hour', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
      'GET /api/v1/rounds/3/compliance': () => json(view),
      'POST /api/v1/round-requests/21/nudge': () =>
        problem(429, 'too_many_requests', 'Too Many Requests', {}, { 'Retry-After': '3000' }),
    });
    renderApp('/rounds/3/compliance', fetch);
    await userEvent.click(await screen.findByRole('button', { name: '国保年金課に督促する' }));
    expect(
      await screen.findByText('この所管には1時間以内に督促済みです。しばらくしてからもう一度お試しください。'),
    ).toBeInTheDocument();
  });

  it('offers no chase buttons to a viewer and shows the trend with a link to each round', async () => {
    const trend: TrendOut = {
      bureau_id: null,
      today: '2026-05-08',
      rounds: [
        {
          round_id: 3,
          title: view.title,
          as_of: view.as_of,
          due_on: view.due_on,
          state: 'open',
          figures: view.totals,
        },
      ],
    };
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-2', viewerUser)),
      'GET /api/v1/rounds/compliance-trend': () => json(trend),
      'GET /api/v1/rounds/3/compliance': () => json(view),
    });
    renderApp('/rounds/compliance', fetch);
    expect(await screen.findByRole('heading', { level: 1, name: '照会の回答状況' })).toBeInTheDocument();
    const roundLink = screen.getByRole('link', { name: `${view.title}の回答状況` });
    expect(roundLink).toHaveAttribute('href', '/rounds/3/compliance');
    await userEvent.click(roundLink);
    expect(await screen.findByRole('table', { name: '八幡西区役所の回答状況' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /督促/ })).not.toBeInTheDocument();
  });
});
