import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, tokenOut } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import type { ProgressReportOut, ProgressRowOut } from './api';
import { todayInTokyo } from '../../lib/dates';
import { team2025 } from '../../test/fixtures/proposals';

function row(theme: string, counts: number[], firstId: number): ProgressRowOut {
  let next = firstId;
  const proposal_ids = counts.map((count) => Array.from({ length: count }, () => next++));
  return { theme, counts, proposal_ids, not_presented: 0, not_presented_ids: [], total: counts.reduce((a, b) => a + b, 0) };
}

/** Seed 003 page ④: 5/11/0/1 and 5/12/0/0, 34 in all. */
function seedReport(asOf: string): ProgressReportOut {
  const users = row('ユーザーの困りごと', [5, 11, 0, 1], 1);
  const staff = row('職員の困りごと', [5, 12, 0, 0], 18);
  const totals: ProgressRowOut = {
    theme: '合計',
    counts: [10, 23, 0, 1],
    proposal_ids: [0, 1, 2, 3].map((i) => [...(users.proposal_ids[i] ?? []), ...(staff.proposal_ids[i] ?? [])]),
    not_presented: 0,
    not_presented_ids: [],
    total: 34,
  };
  return {
    fiscal_year: 2025,
    fiscal_year_label: '令和7年度',
    as_of: asOf,
    stage_labels: ['①所管課に提示', '②PTと所管課で協議', '③継続／終了の判断', '④既に所管課で対応済'],
    rows: [users, staff],
    totals,
    proposals: Array.from({ length: 34 }, (_, i) => ({
      id: i + 1,
      number: String(i < 17 ? i + 1 : i - 16),
      title: i === 16 ? '債権者登録に係るオンライン申請の導入について' : `課題${i + 1}`,
      theme: i < 17 ? 'ユーザーの困りごと' : '職員の困りごと',
      stage: 1,
    })),
  };
}

function reportServer() {
  const urls: URL[] = [];
  const server = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
    'GET /api/v1/project-teams': () => json([team2025]),
    'GET /api/v1/reports/proposal-progress': (request) => {
      const url = new URL(request.url);
      urls.push(url);
      return json(seedReport(url.searchParams.get('as_of') ?? todayInTokyo()));
    },
  });
  return { ...server, urls };
}

describe('the progress report', () => {
  it('renders the counts of seed 003 with list links and a CSV link', async () => {
    const { fetch, urls } = reportServer();
    renderApp('/reports/proposal-progress?fiscal_year=2025', fetch);

    const table = await screen.findByTestId('progress-table');
    const today = todayInTokyo();
    expect(urls[0]?.searchParams.get('fiscal_year')).toBe('2025');
    expect(urls[0]?.searchParams.get('as_of')).toBe(today);
    expect(within(table).getByRole('columnheader', { name: '②PTと所管課で協議' })).toBeInTheDocument();

    const rows = within(table).getAllByRole('row');
    expect(rows.map((r) => r.textContent)).toEqual([
      '進捗の段階①所管課に提示②PTと所管課で協議③継続／終了の判断④既に所管課で対応済合計',
      'ユーザーの困りごと5件11件0件1件17件',
      '職員の困りごと5件12件0件0件17件',
      '合計10件23件0件1件34件',
    ]);

    expect(within(table).getByRole('link', { name: 'ユーザーの困りごと・②PTと所管課で協議: 11件' })).toHaveAttribute(
      'href',
      `/proposals?fiscal_year=2025&theme=${encodeURIComponent('ユーザーの困りごと')}&stage=2`,
    );
    expect(within(table).getByRole('link', { name: 'すべてのテーマ・①所管課に提示: 10件' })).toHaveAttribute(
      'href',
      '/proposals?fiscal_year=2025&stage=1',
    );
    expect(within(table).getByRole('link', { name: '職員の困りごと・合計: 17件' })).toHaveAttribute(
      'href',
      `/proposals?fiscal_year=2025&theme=${encodeURIComponent('職員の困りごと')}`,
    );

    const csv = screen.getByRole('link', { name: 'CSVでダウンロード' });
    const href = new URL(csv.getAttribute('href') ?? '', 'http://localhost');
    expect(href.pathname).toBe('/api/v1/reports/proposal-progress');
    expect(Object.fromEntries(href.searchParams)).toEqual({ fiscal_year: '2025', as_of: today, format: 'csv' });
  });

  it('lists the proposals behind a count of a past date below the table', async () => {
    const { fetch, urls } = reportServer();
    renderApp('/reports/proposal-progress?fiscal_year=2025&as_of=2025-11-25', fetch);
    const user = userEvent.setup();

    const table = await screen.findByTestId('progress-table');
    expect(urls[0]?.searchParams.get('as_of')).toBe('2025-11-25');
    expect(within(table).getByText(/2025年11月25日（令和7年11月25日）時点/)).toBeInTheDocument();
    expect(within(table).queryByRole('link')).not.toBeInTheDocument();

    const cell = within(table).getByRole('button', { name: 'ユーザーの困りごと・④既に所管課で対応済: 1件' });
    await user.click(cell);

    expect(cell).toHaveAttribute('aria-expanded', 'true');
    const panel = screen.getByRole('region', { name: /ユーザーの困りごと・④既に所管課で対応済/ });
    expect(within(panel).getAllByRole('listitem')).toHaveLength(1);
    expect(within(panel).getByRole('link', { name: '債権者登録に係るオンライン申請の導入について' })).toHaveAttribute(
      'href',
      '/proposals/17',
    );
  });

  it('asks the server again when the reference date changes', async () => {
    const { fetch, urls } = reportServer();
    renderApp('/reports/proposal-progress?fiscal_year=2025&as_of=2025-11-25', fetch);
    const user = userEvent.setup();

    const asOf = await screen.findByLabelText('基準日');
    await user.clear(asOf);
    await user.type(asOf, '2025-10-01');

    await waitFor(() => expect(urls.at(-1)?.searchParams.get('as_of')).toBe('2025-10-01'));
  });

  it('reproduces a published table with the day it was known on, and forgets that day when cleared', async () => {
    const { fetch, urls } = reportServer();
    const user = userEvent.setup();
    renderApp('/reports/proposal-progress?fiscal_year=2025&as_of=2025-11-25', fetch);
    await screen.findByTestId('progress-table');
    expect(urls[0]?.searchParams.has('as_known_on')).toBe(false);

    const knownOn = screen.getByLabelText('時点（記録日）');
    await user.type(knownOn, '2025-11-28');
    await waitFor(() => expect(urls.at(-1)?.searchParams.get('as_known_on')).toBe('2025-11-28'));
    expect(urls.at(-1)?.searchParams.get('as_of')).toBe('2025-11-25');
    expect(await screen.findByText(/までの記録による/)).toBeInTheDocument();
    // A published table's cells open their proposals on the page instead of today's list.
    const table = screen.getByTestId('progress-table');
    expect(within(table).queryAllByRole('link')).toHaveLength(0);

    // Cleared, the live table (already fetched once) comes back from the cache.
    await user.clear(knownOn);
    await waitFor(() => expect(screen.queryByText(/までの記録による/)).not.toBeInTheDocument());
    expect(urls.filter((url) => !url.searchParams.has('as_known_on'))).toHaveLength(1);
  });
});
