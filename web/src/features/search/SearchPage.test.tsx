import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { rankedHits, searchOut } from './testData';

function searchServer(handler: Handler) {
  const searchUrls: URL[] = [];
  const server = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
    'GET /api/v1/search': (request) => {
      searchUrls.push(new URL(request.url));
      return handler(request);
    },
  });
  return { ...server, searchUrls };
}

const everyKind = () => json(searchOut(rankedHits, { proposal: 2, reform: 1, digital_system: 1, kpi: 0 }, { total: 4 }));

describe('the search results page', () => {
  it('shows the count of every kind, and the hits grouped by kind with their marked title and snippet', async () => {
    const { fetch, searchUrls } = searchServer(everyKind);
    renderApp('/search?q=予約', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '横断検索' })).toBeInTheDocument();
    expect(screen.getByRole('searchbox', { name: '検索語' })).toHaveValue('予約');
    await waitFor(() => expect(screen.getByTestId('search-count')).toHaveTextContent('「予約」の検索結果 4件中 1～4件目を表示'));
    expect(searchUrls[0]!.searchParams.get('q')).toBe('予約');
    expect(searchUrls[0]!.searchParams.has('kind')).toBe(false);
    expect(document.title).toMatch(/^「予約」の検索結果 \|/);

    const kinds = screen.getByRole('navigation', { name: '種類で絞り込む' });
    expect(within(kinds).getAllByRole('link').map((link) => link.textContent)).toEqual([
      'すべて（4件）',
      '提案（2件）',
      '自主改革（1件）',
      'X方針の課題（0件）',
      'システム（1件）',
      'KPI（0件）',
    ]);
    expect(within(kinds).getByRole('link', { name: 'すべて（4件）' })).toHaveAttribute('aria-current', 'page');
    expect(within(kinds).getByRole('link', { name: '自主改革（1件）' })).toHaveAttribute('href', '/search?q=%E4%BA%88%E7%B4%84&kind=reform');

    expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual(['提案', '自主改革', 'システム']);
    const proposals = screen.getByRole('region', { name: '提案' });
    const titles = within(proposals).getAllByRole('heading', { level: 3 });
    expect(titles.map((h) => h.textContent)).toEqual(['窓口予約の待ち時間', '施設予約の一元化']);
    const link = within(proposals).getByRole('link', { name: '窓口予約の待ち時間' });
    expect(link).toHaveAttribute('href', '/proposals/3');
    expect(link.querySelector('mark')).toHaveTextContent('予約');

    const reforms = screen.getByRole('region', { name: '自主改革' });
    const snippet = within(reforms).getByText((_, element) => element?.classList.contains('sr-hit__snippet') ?? false);
    expect(snippet).toHaveTextContent('…窓口の予約をオンラインで受け付け、待ち時間を減らす…');
    expect([...snippet.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['予約']);
    expect(reforms).toHaveTextContent('局・区: 八幡西区役所 ・ 年度: 令和7年度');
  });

  it('narrows the hits to one kind through its link and keeps the counts of all', async () => {
    const { fetch, searchUrls } = searchServer((request) => {
      const kind = new URL(request.url).searchParams.get('kind');
      const hits = kind ? rankedHits.filter((h) => h.kind === kind) : rankedHits;
      return json(searchOut(hits, { proposal: 2, reform: 1, digital_system: 1 }, { total: hits.length }));
    });
    const { router } = renderApp('/search?q=予約', fetch);
    const user = userEvent.setup();

    const kinds = await screen.findByRole('navigation', { name: '種類で絞り込む' });
    await user.click(await within(kinds).findByRole('link', { name: '提案（2件）' }));

    await waitFor(() => expect(searchUrls.at(-1)?.searchParams.get('kind')).toBe('proposal'));
    expect(new URLSearchParams(router.state.location.search).get('kind')).toBe('proposal');
    await waitFor(() => expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual(['提案']));
    expect(within(kinds).getByRole('link', { name: '提案（2件）' })).toHaveAttribute('aria-current', 'page');
    expect(within(kinds).getByRole('link', { name: 'すべて（4件）' })).not.toHaveAttribute('aria-current');
  });

  it('pages through many hits and searches again from its own field', async () => {
    const { fetch, searchUrls } = searchServer((request) => {
      const page = Number(new URL(request.url).searchParams.get('page') ?? '1');
      return json(searchOut(rankedHits, { reform: 45 }, { total: 45, page }));
    });
    const { router } = renderApp('/search?q=予約&kind=reform', fetch);
    const user = userEvent.setup();

    const pages = await screen.findByRole('navigation', { name: '検索結果のページ' });
    expect(pages).toHaveTextContent('1 / 3ページ');
    await user.click(within(pages).getByRole('link', { name: '次のページ' }));
    await waitFor(() => expect(searchUrls.at(-1)?.searchParams.get('page')).toBe('2'));
    expect(searchUrls.at(-1)?.searchParams.get('kind')).toBe('reform');
    await waitFor(() => expect(screen.getByTestId('search-count')).toHaveTextContent('45件中 21～40件目を表示'));

    const field = screen.getByRole('searchbox', { name: '検索語' });
    await user.clear(field);
    await user.type(field, '窓口');
    await user.click(screen.getByRole('button', { name: '検索' }));
    await waitFor(() => expect(searchUrls.at(-1)?.searchParams.get('q')).toBe('窓口'));
    // A new query starts again at its first page.
    expect(searchUrls.at(-1)?.searchParams.get('page')).toBe('1');
    expect(new URLSearchParams(router.state.location.search).has('page')).toBe(false);
  });

  it('says that nothing matches', async () => {
    const { fetch } = searchServer(() => json(searchOut([], {}, { query: 'ぬえ' })));
    renderApp('/search?q=ぬえ', fetch);

    await waitFor(() => expect(screen.getByTestId('search-count')).toHaveTextContent('「ぬえ」に一致する記録はありません'));
    expect(screen.getByText('別の語や、より短い語でお試しください。')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { level: 2 })).not.toBeInTheDocument();
    expect(within(screen.getByRole('navigation', { name: '種類で絞り込む' })).getByRole('link', { name: 'すべて（0件）' })).toBeInTheDocument();
  });

  it('asks for a query before searching', async () => {
    const { fetch, searchUrls } = searchServer(everyKind);
    renderApp('/search', fetch);

    await waitFor(() => expect(screen.getByTestId('search-count')).toHaveTextContent('検索語を入力してください。'));
    expect(searchUrls).toHaveLength(0);
  });

  it("shows the server's problem when the search fails", async () => {
    const { fetch } = searchServer(() =>
      problem(422, 'validation_failed', 'Validation failed', { errors: [{ pointer: '/q', code: 'too_long', message: 'at most 200 characters' }] }),
    );
    renderApp('/search?q=予約', fetch);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('入力内容に誤りがあります。');
    expect(alert).toHaveTextContent('問い合わせ番号: req-1');
  });
});
