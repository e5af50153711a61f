import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RouterProvider, createMemoryRouter } from 'react-router';
import { AppProviders } from '../../test/providers';
import { createApiClient } from '../../lib/api';
import { fakeFetch, json, tokenOut } from '../../test/http';
import { assignment, proposal, team2025, team2026 } from '../../test/fixtures/proposals';
import type { ProjectTeamOut, ProposalOut, ReformOut } from '../../lib/api';
import { period, reform } from '../../test/fixtures/reforms';
import type { AnnualReportOut, ReportBureauOut } from './api';
import { AnnualReportPage } from './AnnualReportPage';

const team2024: ProjectTeamOut = {
  ...team2025,
  id: 3,
  fiscal_year: 2024,
  fiscal_year_label: '令和6年度',
  name: '令和6年度 プラチナ市役所プロジェクトチーム',
  headcount: 24,
};

/** A proposal with a reported outcome, as the report lists it. */
function reported(id: number, overrides: Partial<ProposalOut> = {}): ProposalOut {
  return proposal({
    id,
    number: String(id),
    title: `課題${id}`,
    outcome_text: `成果の見出し${id}\n詳しい内容${id}`,
    outcome_period: period('R7.10~'),
    implementation_status: 'done',
    implementation_status_label: '実施済',
    ...overrides,
  });
}

function bureau(id: number, name: string, reforms: ReformOut[]): ReportBureauOut {
  return { bureau_id: id, bureau: name, count: reforms.length, reforms };
}

/** The demo's 令和7年度 report, cut down: 15 of 34 and 13 of 30 proposals, two bureaus. */
function report2025(): AnnualReportOut {
  const first = reported(1, {
    title: '債権者登録に係るオンライン申請の導入について',
    pain_point: '債権者登録の書類を紙で提出しなければならない',
    outcome_text: 'オンライン申請を開始しました\n令和7年10月から電子申請システムで受け付けています。\n郵送の手間がなくなりました。',
    outcome_period: period('R7.10~'),
    implementation_status_label: '実施済',
    assignments: [
      assignment({ bureau_name: '会計室', section_name: '会計課' }),
      assignment({ id: 22, bureau_name: '財政・変革局', section_name: 'DX推進課' }),
    ],
  });
  return {
    fiscal_year: 2025,
    fiscal_year_label: '令和7年度',
    generated_on: '2026-03-31',
    teams: [
      {
        team: team2025,
        proposal_count: 34,
        proposals: [first, ...Array.from({ length: 14 }, (_, i) => reported(i + 2))],
      },
      {
        team: team2024,
        proposal_count: 30,
        proposals: Array.from({ length: 13 }, (_, i) => reported(i + 101, { fiscal_year: 2024 })),
      },
    ],
    reform_total: 3,
    bureaus: [
      bureau(5, '八幡西区役所', [
        reform({ id: 7, report_number: 1, title: '区役所窓口のオンライン予約', period: period('R7.4~ R8.2') }),
        reform({
          id: 8,
          report_number: 2,
          title: '証明書発行のキャッシュレス化',
          sections: [{ id: 12, name: '市民課' }],
          classification_label: '新規事業',
          period: period('R7.6'),
          featured: true,
        }),
      ]),
      bureau(9, '会計室', [
        reform({ id: 31, bureau_id: 9, bureau_name: '会計室', report_number: 3, title: '支払事務の電子決裁', sections: [{ id: 40, name: '会計課' }] }),
      ]),
    ],
  };
}

function report2026(): AnnualReportOut {
  return {
    fiscal_year: 2026,
    fiscal_year_label: '令和8年度',
    generated_on: '2026-11-21',
    teams: [
      { team: team2026, proposal_count: 5, proposals: [] },
      { team: team2025, proposal_count: 34, proposals: [reported(1)] },
    ],
    reform_total: 0,
    bureaus: [],
  };
}

function reportServer() {
  const urls: URL[] = [];
  const server = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
    'GET /api/v1/project-teams': () => json([team2024, team2026, team2025]),
    'GET /api/v1/reports/annual': (request) => {
      const url = new URL(request.url);
      urls.push(url);
      if (url.searchParams.get('format') === 'html') {
        return new Response('<!doctype html><title>令和7年度 プラチナレポート</title>', {
          headers: { 'Content-Type': 'text/html; charset=utf-8' },
        });
      }
      return json(url.searchParams.get('fiscal_year') === '2026' ? report2026() : report2025());
    },
  });
  return { ...server, urls };
}

/** The page on its own route, signed in, with the fetch double standing in for the server. */
function renderReport(path: string, fetch: typeof globalThis.fetch) {
  const api = createApiClient({ baseUrl: 'http://localhost', fetch });
  api.setSession(tokenOut('token-1'));
  const router = createMemoryRouter(
    [
      { path: '/reports/annual', element: <AnnualReportPage /> },
      { path: '*', element: <p>other page</p> },
    ],
    { initialEntries: [path] },
  );
  render(
    <AppProviders api={api}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { router };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the annual report', () => {
  it("shows this year's team and last year's, each with how many of its proposals reported an outcome", async () => {
    const { fetch, urls } = reportServer();
    renderReport('/reports/annual?fiscal_year=2025', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: 'プラチナレポート' })).toBeInTheDocument();
    const thisYear = await screen.findByRole('region', { name: '令和7年度 PTによる検討課題' });
    const lastYear = screen.getByRole('region', { name: '令和6年度 PTによる検討課題' });
    expect(urls[0]?.searchParams.get('fiscal_year')).toBe('2025');

    expect(within(thisYear).getByText('提案 34件のうち成果報告 15件')).toBeInTheDocument();
    expect(within(thisYear).getByText('令和7年度 プラチナ市役所プロジェクトチーム')).toBeInTheDocument();
    expect(within(thisYear).getByText('26名')).toBeInTheDocument();
    expect(within(thisYear).getByText('ユーザーの困りごと・職員の困りごと')).toBeInTheDocument();
    expect(within(thisYear).getAllByRole('article')).toHaveLength(15);
    expect(within(lastYear).getByText('提案 30件のうち成果報告 13件')).toBeInTheDocument();
    expect(within(lastYear).getAllByRole('article')).toHaveLength(13);
    expect(document.title).toBe('令和7年度 プラチナレポート | Platina 改革トラッカー');
  });

  it('writes out each proposal with its sections, pain point, outcome led by its first line, and timing', async () => {
    const { fetch } = reportServer();
    renderReport('/reports/annual?fiscal_year=2025', fetch);

    const article = await screen.findByRole('article', { name: 'No.1 債権者登録に係るオンライン申請の導入について' });
    expect(within(article).getByRole('heading', { level: 3 })).toBeInTheDocument();
    expect(within(article).getByRole('link', { name: '債権者登録に係るオンライン申請の導入について' })).toHaveAttribute(
      'href',
      '/proposals/1',
    );
    expect(within(article).getByText('会計室会計課、財政・変革局DX推進課')).toBeInTheDocument();
    expect(within(article).getByText('債権者登録の書類を紙で提出しなければならない')).toBeInTheDocument();
    const lead = within(article).getByText('オンライン申請を開始しました');
    expect(lead.tagName).toBe('STRONG');
    expect(within(article).getByText('郵送の手間がなくなりました。').tagName).toBe('P');
    expect(within(article).getByText('R7.10~')).toBeInTheDocument();
    expect(within(article).getByText('実施済')).toHaveClass('ar-badge');
  });

  it('lists every bureau with its count, in a table of contents and a table of reforms linking to each reform', async () => {
    const { fetch } = reportServer();
    renderReport('/reports/annual?fiscal_year=2025', fetch);

    const reforms = await screen.findByRole('region', { name: '各局区による自主改革' });
    expect(within(reforms).getByText('自主改革 合計3件（2局区）')).toBeInTheDocument();

    const toc = within(reforms).getByRole('navigation', { name: '局区の目次' });
    expect(within(toc).getByRole('link', { name: '八幡西区役所（2件）' })).toHaveAttribute('href', '#annual-bureau-5');
    expect(within(toc).getByRole('link', { name: '会計室（1件）' })).toHaveAttribute('href', '#annual-bureau-9');

    const yahatanishi = within(reforms).getByRole('region', { name: '八幡西区役所（2件）' });
    expect(within(yahatanishi).getByRole('heading', { level: 3, name: '八幡西区役所（2件）' })).toHaveAttribute(
      'id',
      'annual-bureau-5',
    );
    const table = within(yahatanishi).getByRole('table', { name: '八幡西区役所の自主改革の一覧' });
    const rows = within(table).getAllByRole('row');
    expect(rows.map((row) => row.textContent)).toEqual([
      'No.部署名分類取組名実施(予定)日',
      '1総務企画課通常業務区役所窓口のオンライン予約R7.4~ R8.2',
      '2市民課新規事業証明書発行のキャッシュレス化注目R7.6',
    ]);
    expect(within(table).getByRole('link', { name: '区役所窓口のオンライン予約' })).toHaveAttribute('href', '/reforms/7');
    expect(within(table).getByRole('link', { name: '証明書発行のキャッシュレス化' })).toHaveAttribute('href', '/reforms/8');

    const kaikei = within(reforms).getByRole('region', { name: '会計室（1件）' });
    expect(within(kaikei).getByRole('link', { name: '支払事務の電子決裁' })).toHaveAttribute('href', '/reforms/31');
  });

  it('writes out the problem, action and effect of a featured reform below its bureau table', async () => {
    const { fetch } = reportServer();
    renderReport('/reports/annual?fiscal_year=2025', fetch);

    const featured = await screen.findByRole('article', { name: '注目 証明書発行のキャッシュレス化' });
    expect(within(featured).getByText('窓口の待ち時間が長い')).toBeInTheDocument();
    expect(within(featured).getByText('オンライン予約を導入')).toBeInTheDocument();
    expect(within(featured).getByText('待ち時間の短縮')).toBeInTheDocument();
  });

  it('prints the page with the print button', async () => {
    const print = vi.spyOn(window, 'print').mockImplementation(() => {});
    const { fetch } = reportServer();
    renderReport('/reports/annual?fiscal_year=2025', fetch);
    const user = userEvent.setup();

    await screen.findByRole('region', { name: '各局区による自主改革' });
    await user.click(screen.getByRole('button', { name: '印刷' }));

    expect(print).toHaveBeenCalledTimes(1);
  });

  it("opens the server's printable HTML, fetched with the session's token, in a new tab", async () => {
    Object.defineProperty(URL, 'createObjectURL', {
      configurable: true,
      writable: true,
      value: vi.fn(() => 'blob:http://localhost/report-1'),
    });
    Object.defineProperty(URL, 'revokeObjectURL', { configurable: true, writable: true, value: vi.fn() });
    const open = vi.spyOn(window, 'open').mockImplementation(() => ({ opener: window }) as unknown as Window);
    const { fetch, urls, calls } = reportServer();
    renderReport('/reports/annual?fiscal_year=2025', fetch);
    const user = userEvent.setup();

    await screen.findByRole('region', { name: '各局区による自主改革' });
    await user.click(screen.getByRole('button', { name: '印刷用HTML' }));

    await waitFor(() => expect(open).toHaveBeenCalledWith('blob:http://localhost/report-1', '_blank'));
    expect(Object.fromEntries(urls.at(-1)?.searchParams ?? [])).toEqual({ fiscal_year: '2025', format: 'html' });
    expect(calls.at(-1)?.authorization).toBe('Bearer token-1');
    const blob = vi.mocked(URL.createObjectURL).mock.calls[0]![0] as Blob;
    expect(blob.type).toMatch(/^text\/html/);
    expect(await screen.findByText('印刷用HTMLを新しいタブで開きました。')).toBeInTheDocument();
  });

  it("starts at the newest team's year, and changing the year updates the URL and asks the server again", async () => {
    const { fetch, urls } = reportServer();
    const { router } = renderReport('/reports/annual', fetch);
    const user = userEvent.setup();

    expect(await screen.findByRole('region', { name: '令和8年度 PTによる検討課題' })).toBeInTheDocument();
    expect(urls[0]?.searchParams.get('fiscal_year')).toBe('2026');
    const year = screen.getByLabelText('年度');
    expect(year).toHaveValue('2026');
    expect(screen.getByText('この年度の自主改革はまだ登録されていません。')).toBeInTheDocument();

    await user.selectOptions(year, '令和7年度');

    expect(router.state.location.search).toBe('?fiscal_year=2025');
    await waitFor(() => expect(urls.at(-1)?.searchParams.get('fiscal_year')).toBe('2025'));
    expect(await screen.findByRole('region', { name: '令和6年度 PTによる検討課題' })).toBeInTheDocument();
    expect(screen.getByLabelText('年度')).toHaveValue('2025');
  });
});
