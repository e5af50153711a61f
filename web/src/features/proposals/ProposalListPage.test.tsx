import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, tokenOut, viewerUser } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { organizationRoutes, proposal, proposerUser, team2025, team2026 } from '../../test/fixtures/proposals';

function listServer(user = tokenOut('token-1')) {
  const listUrls: URL[] = [];
  const server = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    'GET /api/v1/project-teams': () => json([team2025, team2026]),
    ...organizationRoutes,
    'GET /api/v1/proposals': (request) => {
      listUrls.push(new URL(request.url));
      return json({ items: [proposal()], total: 1, page: 1, per_page: 50 });
    },
  });
  return { ...server, listUrls };
}

describe('the proposal list', () => {
  it('shows the proposals with their stage, sections and status, and the total', async () => {
    const { fetch } = listServer();
    renderApp('/proposals?fiscal_year=2025', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '課題提案' })).toBeInTheDocument();
    const table = await screen.findByRole('table');
    const row = within(table).getByRole('row', { name: /区役所の窓口が混雑して待ち時間が長い/ });
    expect(within(row).getByRole('link', { name: '区役所の窓口が混雑して待ち時間が長い' })).toHaveAttribute(
      'href',
      '/proposals/7',
    );
    expect(row).toHaveTextContent('②PTと所管課で協議');
    expect(row).toHaveTextContent('総務企画課（八幡西区役所）');
    expect(row).toHaveTextContent('実施予定');
    expect(screen.getByTestId('proposal-count')).toHaveTextContent('全1件中 1～1件を表示');
    expect(screen.getByRole('link', { name: '新規提案' })).toHaveAttribute('href', '/proposals/new');
  });

  it('puts a changed filter into the URL and the API query, back on the first page', async () => {
    const { fetch, listUrls } = listServer();
    const { router } = renderApp('/proposals?fiscal_year=2025&page=2', fetch);
    const user = userEvent.setup();

    await screen.findByRole('table');
    expect(listUrls.at(-1)?.searchParams.get('fiscal_year')).toBe('2025');
    expect(listUrls.at(-1)?.searchParams.get('page')).toBe('2');

    await user.selectOptions(screen.getByLabelText('段階'), '②PTと所管課で協議');

    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('stage')).toBe('2'));
    const last = listUrls.at(-1)!;
    expect(last.searchParams.get('fiscal_year')).toBe('2025');
    expect(last.searchParams.get('page')).toBe('1');
    expect(router.state.location.search).toBe('?fiscal_year=2025&stage=2');

    await user.type(screen.getByRole('searchbox', { name: 'キーワード' }), '窓口');
    await user.click(screen.getByRole('button', { name: '検索' }));
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('q')).toBe('窓口'));
  });

  it('offers the themes of the chosen year and sorts by a column header', async () => {
    const { fetch, listUrls } = listServer();
    const { router } = renderApp('/proposals?fiscal_year=2025', fetch);
    const user = userEvent.setup();

    await screen.findByRole('table');
    const theme = screen.getByLabelText('テーマ');
    await waitFor(() =>
      expect(within(theme).getAllByRole('option').map((o) => o.textContent)).toEqual([
        'すべてのテーマ',
        'ユーザーの困りごと',
        '職員の困りごと',
      ]),
    );

    await user.click(screen.getByRole('button', { name: /課題名で並べ替え/ }));
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('sort')).toBe('title'));
    expect(screen.getByRole('columnheader', { name: /課題名/ })).toHaveAttribute('aria-sort', 'ascending');

    await user.click(screen.getByRole('button', { name: /課題名で並べ替え/ }));
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('sort')).toBe('-title'));
    expect(router.state.location.search).toContain('sort=-title');
  });

  it('lets a proposer show only their own proposals', async () => {
    const { fetch, listUrls } = listServer(tokenOut('token-2', proposerUser));
    renderApp('/proposals', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('checkbox', { name: '自分の担当のみ表示' }));

    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('scope')).toBe('mine'));
  });

  it('offers a viewer neither the new-proposal button nor the own-only toggle', async () => {
    const { fetch } = listServer(tokenOut('token-3', viewerUser));
    renderApp('/proposals', fetch);

    await screen.findByRole('table');
    expect(screen.queryByRole('link', { name: '新規提案' })).not.toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: '自分の担当のみ表示' })).not.toBeInTheDocument();
  });

  it('passes the dashboard’s as_of, stage 0, stale_days, bureau and status “none” through and names them above the list', async () => {
    const { fetch, listUrls } = listServer();
    const { router } = renderApp(
      '/proposals?fiscal_year=2025&as_of=2025-11-25&stage=0&stale_days=60&bureau_id=5&implementation_status=none',
      fetch,
    );
    const user = userEvent.setup();

    await screen.findByRole('table');
    const last = listUrls.at(-1)!;
    expect(last.searchParams.get('as_of')).toBe('2025-11-25');
    expect(last.searchParams.get('stage')).toBe('0');
    expect(last.searchParams.get('stale_days')).toBe('60');
    expect(last.searchParams.get('bureau_id')).toBe('5');
    expect(last.searchParams.get('implementation_status')).toBe('none');
    expect(screen.getByLabelText('段階')).toHaveValue('0');

    const filters = screen.getByTestId('active-filters');
    expect(filters).toHaveTextContent('基準日 2025年11月25日 時点');
    expect(filters).toHaveTextContent('令和7年度');
    expect(filters).toHaveTextContent('未提示（どの課にも提示されていない）');
    expect(filters).toHaveTextContent('停滞（60日超）');
    expect(filters).toHaveTextContent('実施状況: 未設定');
    await waitFor(() => expect(filters).toHaveTextContent('局・区: 八幡西区役所'));
    // The count is the API's total, whatever the filters.
    expect(screen.getByTestId('proposal-count')).toHaveTextContent('全1件中');

    await user.click(within(filters).getByRole('button', { name: '「停滞（60日超）」の条件を解除' }));
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.has('stale_days')).toBe(false));
    expect(listUrls.at(-1)?.searchParams.get('as_of')).toBe('2025-11-25');

    await user.click(within(screen.getByTestId('active-filters')).getByRole('button', { name: 'すべての条件を解除' }));
    await waitFor(() => expect(router.state.location.search).toBe(''));
    expect(screen.queryByTestId('active-filters')).not.toBeInTheDocument();
  });

  it('passes a stage of the progress report through as it is', async () => {
    const { fetch, listUrls } = listServer();
    renderApp(`/proposals?fiscal_year=2025&as_of=2025-11-25&theme=${encodeURIComponent('ユーザーの困りごと')}&stage=2`, fetch);

    await screen.findByRole('table');
    expect(listUrls.at(-1)?.searchParams.get('stage')).toBe('2');
    expect(listUrls.at(-1)?.searchParams.get('theme')).toBe('ユーザーの困りごと');
    expect(screen.getByTestId('active-filters')).toHaveTextContent('段階 ②PTと所管課で協議');
    expect(screen.getByTestId('active-filters')).toHaveTextContent('テーマ: ユーザーの困りごと');
  });
});
