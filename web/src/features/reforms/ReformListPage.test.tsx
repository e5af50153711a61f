import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, tokenOut, viewerUser } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { organizationRoutes, period, reform } from '../../test/fixtures/reforms';

function listServer(user = tokenOut('token-1')) {
  const listUrls: URL[] = [];
  const server = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    ...organizationRoutes,
    'GET /api/v1/reforms': (request) => {
      listUrls.push(new URL(request.url));
      return json({
        items: [
          reform(),
          reform({
            id: 8,
            number_in_bureau: 4,
            title: 'AIによる議事録作成',
            classification: 'iii',
            period: period('随時'),
            status: 'in_progress',
            tags: [],
            featured: true,
          }),
        ],
        total: 2,
        page: 1,
        per_page: 50,
      });
    },
  });
  return { ...server, listUrls };
}

describe('the reform list', () => {
  it('shows each reform with its number, bureau, sections, class, read period, status and tags', async () => {
    const { fetch } = listServer();
    renderApp('/reforms', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '自主改革' })).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: /自主改革の取組の一覧/ });
    const row = within(table).getByRole('row', { name: /区役所窓口のオンライン予約/ });
    const cells = within(row).getAllByRole('cell');
    expect(cells.map((c) => c.textContent)).toEqual([
      '3',
      '八幡西区役所',
      '総務企画課',
      'ii（通常業務）',
      '区役所窓口のオンライン予約',
      '令和7年4月～令和8年2月記載: R7.4~ R8.2',
      '実施済',
      'kintoneペーパーレス',
    ]);
    expect(within(row).getByRole('link', { name: '区役所窓口のオンライン予約' })).toHaveAttribute('href', '/reforms/7');
    expect(within(row).getByRole('link', { name: '八幡西区役所' })).toHaveAttribute('href', '/bureaus/5');

    // Text the server could not read is shown as written, once.
    const other = within(table).getByRole('row', { name: /AIによる議事録作成/ });
    expect(within(other).getAllByRole('cell')[5]).toHaveTextContent(/^随時$/);
    expect(other).toHaveTextContent('注目');
    expect(other).toHaveTextContent('iii（プラチナPTの提案から）');

    expect(screen.getByTestId('reform-count')).toHaveTextContent('全2件中 1～2件を表示');
    expect(screen.getByRole('link', { name: '新規登録' })).toHaveAttribute('href', '/reforms/new');
  });

  it('puts the chosen filters into the URL and the API query, back on the first page', async () => {
    const { fetch, listUrls } = listServer();
    const { router } = renderApp('/reforms?page=2', fetch);
    const user = userEvent.setup();

    await screen.findByRole('table');
    expect(listUrls.at(-1)?.searchParams.get('page')).toBe('2');

    await user.selectOptions(screen.getByLabelText('分類'), 'iii（プラチナPTの提案から）');
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('classification')).toBe('iii'));
    expect(listUrls.at(-1)?.searchParams.get('page')).toBe('1');

    await waitFor(() => expect(within(screen.getByLabelText('局・区')).getAllByRole('option')).toHaveLength(3));
    await user.selectOptions(screen.getByLabelText('局・区'), '八幡西区役所');
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('bureau_id')).toBe('5'));
    // Only the chosen bureau's sections are offered.
    expect(within(screen.getByLabelText('課')).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'すべての課',
      '総務企画課',
      '市民課',
    ]);

    await user.click(screen.getByRole('checkbox', { name: '注目の取組のみ表示' }));
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('featured')).toBe('true'));

    await user.type(screen.getByLabelText('タグ'), 'kintone');
    await user.type(screen.getByRole('searchbox', { name: 'キーワード' }), '窓口');
    await user.click(screen.getByRole('button', { name: '検索' }));
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('q')).toBe('窓口'));
    const last = listUrls.at(-1)!;
    expect(last.searchParams.get('tag')).toBe('kintone');
    expect(last.searchParams.get('classification')).toBe('iii');
    expect(last.searchParams.get('bureau_id')).toBe('5');
    expect(router.state.location.search).toBe('?classification=iii&bureau_id=5&featured=true&q=%E7%AA%93%E5%8F%A3&tag=kintone');
  });

  it('sorts by a column header', async () => {
    const { fetch, listUrls } = listServer();
    renderApp('/reforms', fetch);
    const user = userEvent.setup();

    await screen.findByRole('table');
    expect(screen.getByRole('columnheader', { name: /No\./ })).toHaveAttribute('aria-sort', 'ascending');
    await user.click(screen.getByRole('button', { name: /取組名で並べ替え/ }));
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('sort')).toBe('title'));
    await user.click(screen.getByRole('button', { name: /取組名で並べ替え/ }));
    await waitFor(() => expect(listUrls.at(-1)?.searchParams.get('sort')).toBe('-title'));
  });

  it('offers a viewer no register button', async () => {
    const { fetch } = listServer(tokenOut('token-3', viewerUser));
    renderApp('/reforms', fetch);

    await screen.findByRole('table');
    expect(screen.queryByRole('link', { name: '新規登録' })).not.toBeInTheDocument();
  });

  it('passes the dashboard’s as_of, started_in, period and classification “none” through and names them above the list', async () => {
    const { fetch, listUrls } = listServer();
    renderApp('/reforms?fiscal_year=2025&as_of=2026-03-31&started_in=2025-04&period=text_only&classification=none&bureau_id=5', fetch);

    await screen.findByRole('table');
    const last = listUrls.at(-1)!;
    expect(last.searchParams.get('as_of')).toBe('2026-03-31');
    expect(last.searchParams.get('started_in')).toBe('2025-04');
    expect(last.searchParams.get('period')).toBe('text_only');
    expect(last.searchParams.get('classification')).toBe('none');
    expect(last.searchParams.get('fiscal_year')).toBe('2025');
    expect(last.searchParams.get('bureau_id')).toBe('5');

    const filters = screen.getByTestId('active-filters');
    expect(filters).toHaveTextContent('基準日 2026年3月31日 時点');
    expect(filters).toHaveTextContent('2025年4月に開始');
    expect(filters).toHaveTextContent('実施時期が文章のみ');
    expect(filters).toHaveTextContent('分類: 分類なし');
    await waitFor(() => expect(filters).toHaveTextContent('局・区: 八幡西区役所'));
    expect(screen.getByTestId('reform-count')).toHaveTextContent('全2件中');
  });

  it('drops a month or a period kind that is not one', async () => {
    const { fetch, listUrls } = listServer();
    renderApp('/reforms?started_in=2025-13&period=someday&as_of=yesterday', fetch);

    await screen.findByRole('table');
    const last = listUrls.at(-1)!;
    expect(last.searchParams.has('started_in')).toBe(false);
    expect(last.searchParams.has('period')).toBe(false);
    expect(last.searchParams.has('as_of')).toBe(false);
  });
});
