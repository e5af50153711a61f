import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, tokenOut } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { fiscalYearOf, todayInTokyo } from '../../lib/dates';
import { milestoneItem } from './testData';

const FIND = { timeout: 5000 };

function milestoneServer() {
  const listUrls: URL[] = [];
  const server = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
    'GET /api/v1/bureaus': () =>
      json([{ id: 21, name: '八幡西区役所', kind: 'ward_office', kind_label: '区役所', sort_order: 1, version: 1 }]),
    'GET /api/v1/milestones': (request) => {
      listUrls.push(new URL(request.url));
      return json({
        items: [
          milestoneItem(),
          milestoneItem({ id: 2, title: '検証・改善策検討着手', quarter: 2, quarter_label: '第2四半期（7～9月）', due_on: '2025-09-30', done: true, overdue: false }),
        ],
        total: 46,
        page: 1,
        per_page: 50,
      });
    },
  });
  return { ...server, listUrls };
}

describe('the milestone list', () => {
  it('lists the overdue milestones the dashboard counted, with their bureau, issue, quarter, due date and state', async () => {
    const { fetch, listUrls } = milestoneServer();
    renderApp('/milestones?fiscal_year=2025&overdue_on=2026-03-31&bureau_id=21', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: 'マイルストーン' }, FIND)).toBeInTheDocument();
    const table = await screen.findByRole('table');
    const last = listUrls.at(-1)!;
    expect(last.searchParams.get('fiscal_year')).toBe('2025');
    expect(last.searchParams.get('overdue_on')).toBe('2026-03-31');
    expect(last.searchParams.get('bureau_id')).toBe('21');

    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual([
      '局・区',
      '課題',
      'マイルストーン',
      '四半期',
      '期限',
      '状態',
    ]);
    const row = within(table).getByRole('row', { name: /受付ルーム試行設置/ });
    expect(within(row).getByRole('link', { name: '八幡西区役所' })).toHaveAttribute('href', '/bureaus/21?fiscal_year=2025');
    expect(within(row).getByRole('link', { name: '区民に寄り添う、まちの窓口' })).toHaveAttribute('href', '/policy-issues/13');
    expect(row).toHaveTextContent('第1四半期（4～6月）');
    expect(row).toHaveTextContent('2025年6月30日');
    expect(row).toHaveTextContent('期限超過');
    expect(within(table).getByRole('row', { name: /検証・改善策検討着手/ })).toHaveTextContent('完了');

    expect(screen.getByTestId('milestone-count')).toHaveTextContent('全46件中 1～46件を表示');
    const filters = screen.getByTestId('active-filters');
    await waitFor(() => expect(filters).toHaveTextContent('局・区: 八幡西区役所'));
    expect(filters).toHaveTextContent('2026年3月31日 時点で期限超過・未完了');
  });

  it('drops a filter from the address and the query when its 解除 is pressed', async () => {
    const { fetch, listUrls } = milestoneServer();
    const { router } = renderApp('/milestones?fiscal_year=2025&overdue_on=2026-03-31', fetch);
    const user = userEvent.setup();
    await screen.findByRole('table', {}, FIND);

    await user.click(screen.getByRole('button', { name: '「2026年3月31日 時点で期限超過・未完了」の条件を解除' }));

    await waitFor(() => expect(listUrls.at(-1)?.searchParams.has('overdue_on')).toBe(false));
    expect(router.state.location.search).toBe('?fiscal_year=2025');
    expect(screen.queryByTestId('active-filters')).not.toBeInTheDocument();
  });

  it('shows the current fiscal year when the address names none', async () => {
    const { fetch, listUrls } = milestoneServer();
    renderApp('/milestones', fetch);
    await screen.findByRole('table', {}, FIND);
    expect(listUrls.at(-1)?.searchParams.get('fiscal_year')).toBe(String(fiscalYearOf(todayInTokyo())));
  });
});
