import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { adminMe, fakeFetch, json, tokenOut, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import type { SearchOut } from './api';
import { fragments, hit, rankedHits, searchOut } from './testData';

function searchServer(answer: (url: URL) => SearchOut = () => searchOut(rankedHits, { proposal: 2, reform: 1, digital_system: 1 }), extra: Record<string, Handler> = {}) {
  const searchUrls: URL[] = [];
  const authorizations: (string | null)[] = [];
  const server = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
    'GET /api/v1/me': () => json(adminMe),
    'GET /api/v1/search': (request) => {
      const url = new URL(request.url);
      searchUrls.push(url);
      authorizations.push(request.headers.get('Authorization'));
      return json(answer(url));
    },
    ...extra,
  });
  return { ...server, searchUrls, authorizations };
}

async function typeInHeader(text: string) {
  const user = userEvent.setup();
  const landmark = await screen.findByRole('search', { name: '検索' });
  const box = within(landmark).getByRole('combobox', { name: '横断検索' });
  await user.type(box, text);
  return { user, box };
}

describe('the search box in the header', () => {
  it('waits for a pause in typing, then lists the first hits grouped by kind with the matches marked', async () => {
    const { fetch, searchUrls, authorizations } = searchServer();
    renderApp('/', fetch);

    const { box } = await typeInHeader('窓口予約');
    const listbox = await screen.findByRole('listbox', { name: '横断検索' });

    // One request for the whole word, not one per character.
    expect(searchUrls).toHaveLength(1);
    expect(searchUrls[0]!.searchParams.get('q')).toBe('窓口予約');
    expect(authorizations[0]).toBe('Bearer token-1');
    expect(box).toHaveAttribute('aria-expanded', 'true');
    expect(box).toHaveAttribute('aria-controls', listbox.id);

    // Kinds come in a fixed order whatever the ranking, each labelled with its count.
    const groups = within(listbox).getAllByRole('group');
    expect(groups).toHaveLength(3);
    expect(groups[0]).toHaveAccessibleName('提案（2件）');
    expect(groups[1]).toHaveAccessibleName('自主改革（1件）');
    expect(groups[2]).toHaveAccessibleName('システム（1件）');
    const proposals = within(groups[0]!).getAllByRole('option');
    expect(proposals.map((o) => o.textContent)).toEqual(['窓口予約の待ち時間 年度: 令和7年度', '施設予約の一元化 局・区: 八幡西区役所 ・ 年度: 令和7年度']);
    expect(proposals[1]).toHaveAccessibleName('施設予約の一元化 局・区: 八幡西区役所 年度: 令和7年度');
    expect([...proposals[0]!.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['予約']);
    expect(within(groups[2]!).getByRole('option')).toHaveAccessibleName('子ども受付ルーム予約システム 局・区: 八幡西区役所');

    expect(within(listbox).getByRole('option', { name: '「窓口予約」の検索結果をすべて表示（4件）' })).toBeInTheDocument();
    expect(screen.getByTestId('search-box-status')).toHaveTextContent('4件見つかりました。');
  });

  it('moves through the options with the arrow keys and opens the active one with Enter', async () => {
    const { fetch } = searchServer();
    const { router } = renderApp('/', fetch);

    const { user, box } = await typeInHeader('予約');
    const listbox = await screen.findByRole('listbox');
    const options = within(listbox).getAllByRole('option');
    expect(box).not.toHaveAttribute('aria-activedescendant');

    await user.keyboard('{ArrowDown}');
    expect(box).toHaveAttribute('aria-activedescendant', options[0]!.id);
    expect(options[0]).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(box).toHaveAttribute('aria-activedescendant', options[2]!.id);
    await user.keyboard('{ArrowUp}');
    expect(box).toHaveAttribute('aria-activedescendant', options[1]!.id);
    expect(options[0]).toHaveAttribute('aria-selected', 'false');

    // Up from the first option wraps to the last ("show all").
    await user.keyboard('{ArrowUp}{ArrowUp}');
    expect(box).toHaveAttribute('aria-activedescendant', options.at(-1)!.id);
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(box).toHaveAttribute('aria-activedescendant', options[1]!.id);

    await user.keyboard('{Enter}');
    await waitFor(() => expect(router.state.location.pathname).toBe('/proposals/9'));
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(box).toHaveValue('');
  });

  it('closes with Escape, and Enter without an active option opens the results page', async () => {
    const { fetch } = searchServer();
    const { router } = renderApp('/', fetch);

    const { user, box } = await typeInHeader('予約');
    await screen.findByRole('listbox');
    await user.keyboard('{ArrowDown}{Escape}');
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(box).toHaveAttribute('aria-expanded', 'false');
    expect(box).not.toHaveAttribute('aria-activedescendant');
    expect(box).toHaveValue('予約');

    await user.keyboard('{Enter}');
    await waitFor(() => expect(router.state.location.pathname).toBe('/search'));
    expect(new URLSearchParams(router.state.location.search).get('q')).toBe('予約');
  });

  it('opens a hit that is clicked', async () => {
    const { fetch } = searchServer();
    const { router } = renderApp('/', fetch);

    const { user } = await typeInHeader('予約');
    const listbox = await screen.findByRole('listbox');
    await user.click(within(listbox).getByRole('option', { name: /^区役所窓口の予約/ }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/reforms/7'));
  });

  it('says so when nothing matches', async () => {
    const { fetch } = searchServer(() => searchOut([], {}, { query: '該当なし' }));
    renderApp('/', fetch);

    const { box } = await typeInHeader('該当なし');
    await waitFor(() => expect(screen.getByTestId('search-box-status')).toHaveTextContent('「該当なし」に一致する記録はありません'));
    expect(screen.getByText('「該当なし」に一致する記録はありません', { selector: '.sr-box__message' })).toBeVisible();
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument();
    expect(box).toHaveAttribute('aria-expanded', 'false');
  });

  it("shows a record's text as text, never as markup", async () => {
    const { fetch } = searchServer(() =>
      searchOut([hit({ kind: 'kpi', id: 2, path: '/kpis/2', title: fragments('<img src=x onerror=alert(1)>[予約]') })], { kpi: 1 }),
    );
    renderApp('/', fetch);

    await typeInHeader('予約');
    const option = await screen.findByRole('option', { name: /^<img src=x onerror=alert\(1\)>予約/ });
    expect(option.querySelector('img')).toBeNull();
    expect(option.querySelector('mark')).toHaveTextContent('予約');
  });
});
