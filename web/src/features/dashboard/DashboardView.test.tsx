import { describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { adminMe, fakeFetch, json, tokenOut } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { todayInTokyo } from '../../lib/dates';
import { organizationRoutes, team2025 } from '../../test/fixtures/proposals';
import type { EChartProps } from './EChart';
import { dashboardOut } from './testData';

// jsdom has no layout, so ECharts would draw nothing: the charts are stood in for by an image with
// their text alternative, and their props are kept so a test can "click" a bar.
const charts = vi.hoisted(() => new Map<string, EChartProps>());
vi.mock('./EChart', () => ({
  CHART_INSTANCE_PROPERTY: 'platinaChart',
  EChart: (props: EChartProps) => {
    charts.set(props.name, props);
    return <div role="img" aria-label={props.description} data-chart={props.name} />;
  },
}));

const FIND = { timeout: 5000 };

function dashboardServer(body = dashboardOut()) {
  const dashboardUrls: URL[] = [];
  const bureauUrls: URL[] = [];
  const server = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
    'GET /api/v1/me': () => json(adminMe),
    'GET /api/v1/project-teams': () => json([team2025]),
    ...organizationRoutes,
    'GET /api/v1/dashboard': (request) => {
      dashboardUrls.push(new URL(request.url));
      return json(body);
    },
    'GET /api/v1/bureaus/21': () =>
      json({ id: 21, name: '八幡西区役所', kind: 'ward_office', kind_label: '区役所', sort_order: 21, version: 1 }),
    'GET /api/v1/bureaus/21/dashboard': (request) => {
      bureauUrls.push(new URL(request.url));
      return json({ ...body, bureau: { id: 21, name: '八幡西区役所' } });
    },
    'GET /api/v1/proposals': () => json({ items: [], total: 0, page: 1, per_page: 50 }),
  });
  return { ...server, dashboardUrls, bureauUrls };
}

describe('the dashboard on the home page', () => {
  it('shows the figures of the dashboard and links every number of its tables to the figure’s list', async () => {
    const { fetch, dashboardUrls } = dashboardServer();
    renderApp('/?fiscal_year=2025&as_of=2025-11-25', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: 'ようこそ、北九 太郎 さん' })).toBeInTheDocument();
    const table = await screen.findByTestId('stage-table', {}, FIND);
    expect(within(table).getByText('段階別・テーマ別の課題提案の件数（令和7年度、2025年11月25日 時点）')).toBeInTheDocument();
    expect(dashboardUrls[0]?.searchParams.get('fiscal_year')).toBe('2025');
    expect(dashboardUrls[0]?.searchParams.get('as_of')).toBe('2025-11-25');

    const cell = within(table).getByRole('link', { name: 'ユーザーの困りごと ②PTと所管課で協議: 11件' });
    expect(cell).toHaveTextContent('11');
    expect(cell).toHaveAttribute('href', dashboardOut().proposals.by_stage_theme[0]!.stages[1]!.path);
    const totals = within(table).getAllByRole('row').at(-1)!;
    expect(within(totals).getAllByRole('link').map((a) => a.textContent)).toEqual(['10', '23', '0', '1', '0', '34']);
    expect(within(totals).getByRole('link', { name: '合計 ②PTと所管課で協議: 23件' })).toHaveAttribute(
      'href',
      '/proposals?fiscal_year=2025&as_of=2025-11-25&stage=2',
    );
    expect(within(table).getByRole('columnheader', { name: '未提示' })).toHaveAttribute('scope', 'col');
    expect(within(table).getByRole('rowheader', { name: '職員の困りごと' })).toHaveAttribute('scope', 'row');

    // The chart is one image with a text alternative; its numbers are those of the table.
    expect(screen.getByRole('img', { name: /ユーザーの困りごと 17、職員の困りごと 17/ })).toBeInTheDocument();

    const reforms = screen.getByTestId('panel-reforms');
    expect(within(reforms).getByRole('link', { name: '全130件' })).toHaveAttribute('href', '/reforms?fiscal_year=2025&as_of=2025-11-25');
    expect(within(reforms).getByRole('link', { name: '八幡西区役所: 27件' })).toHaveAttribute(
      'href',
      '/reforms?fiscal_year=2025&as_of=2025-11-25&bureau_id=21',
    );

    const stale = screen.getByTestId('panel-stale');
    expect(within(stale).getByRole('link', { name: '60日を超えて動きのない課題提案（①・②）: 33件' })).toHaveAttribute(
      'href',
      '/proposals?fiscal_year=2025&as_of=2025-11-25&stale_days=60',
    );
    expect(within(stale).getByRole('link', { name: '期限を過ぎて未完了のマイルストーン: 4件' })).toHaveAttribute(
      'href',
      '/milestones?fiscal_year=2025&overdue_on=2025-11-25',
    );

    const hours = screen.getByTestId('panel-hours');
    expect(within(hours).getByTestId('dashboard-hours')).toHaveTextContent('1,234.5時間');
    expect(within(hours).getByTestId('dashboard-published-hours')).toHaveTextContent('40,355時間（2024年3月31日 時点）');
    expect(within(hours).getByRole('img', { name: '年間削減時間の目標達成率 1.2%' })).toBeInTheDocument();
    expect(within(hours).getByRole('link', { name: '3件' })).toHaveAttribute('href', '/digital-systems?in_production_on=2025-11-25');

    const implementations = screen.getByTestId('panel-implementations');
    expect(within(implementations).getByRole('link', { name: '2025年4月: 35件' })).toHaveAttribute(
      'href',
      '/reforms?fiscal_year=2025&as_of=2025-11-25&started_in=2025-04',
    );
    expect(within(implementations).getByRole('link', { name: '実施時期が文章のみ（随時・年度中など）: 11件' })).toHaveAttribute(
      'href',
      '/reforms?fiscal_year=2025&as_of=2025-11-25&period=text_only',
    );

    const breakdown = screen.getByTestId('panel-proposal-breakdown');
    expect(within(breakdown).getByRole('link', { name: '未設定: 19件' })).toHaveAttribute(
      'href',
      '/proposals?fiscal_year=2025&as_of=2025-11-25&implementation_status=none',
    );
    const reformBreakdown = screen.getByTestId('panel-reform-breakdown');
    expect(within(reformBreakdown).getByRole('link', { name: '分類なし: 2件' })).toBeInTheDocument();
    expect(within(reformBreakdown).getByRole('link', { name: '実施中: 42件' })).toBeInTheDocument();
    // Tags come most used first.
    const tagTable = within(reformBreakdown).getByRole('table', { name: 'タグ別の自主改革（上位2件）' });
    expect(within(tagTable).getAllByRole('rowheader').map((th) => th.textContent)).toEqual(['ペーパーレス', 'kintone']);

    const kpiRow = within(screen.getByTestId('kpi-table')).getByRole('row', { name: /デジラボ RPA 削減時間/ });
    expect(within(kpiRow).getByRole('link', { name: 'デジラボ RPA 削減時間' })).toHaveAttribute('href', '/kpis/1');
    expect(kpiRow).toHaveTextContent('1,002時間');
    expect(kpiRow).toHaveTextContent('+54');
  });

  it('writes a changed 基準日 into the address and asks the server for that day', async () => {
    const { fetch, dashboardUrls } = dashboardServer();
    const { router } = renderApp('/?fiscal_year=2025&as_of=2025-11-25', fetch);
    await screen.findByTestId('stage-table', {}, FIND);

    fireEvent.change(screen.getByLabelText('基準日'), { target: { value: '2025-10-15' } });

    await waitFor(() => expect(dashboardUrls.at(-1)?.searchParams.get('as_of')).toBe('2025-10-15'));
    expect(dashboardUrls.at(-1)?.searchParams.get('fiscal_year')).toBe('2025');
    const search = new URLSearchParams(router.state.location.search);
    expect(search.get('as_of')).toBe('2025-10-15');
    expect(search.get('fiscal_year')).toBe('2025');
  });

  it('writes an as-known-on day into the address and asks for the figures known then', async () => {
    const { fetch, dashboardUrls } = dashboardServer();
    const { router } = renderApp('/?fiscal_year=2025&as_of=2025-11-25', fetch);
    await screen.findByTestId('stage-table', {}, FIND);
    expect(dashboardUrls[0]?.searchParams.has('as_known_on')).toBe(false);

    fireEvent.change(screen.getByLabelText('時点（記録日）'), { target: { value: '2025-11-28' } });

    await waitFor(() => expect(dashboardUrls.at(-1)?.searchParams.get('as_known_on')).toBe('2025-11-28'));
    expect(dashboardUrls.at(-1)?.searchParams.get('as_of')).toBe('2025-11-25');
    expect(new URLSearchParams(router.state.location.search).get('as_known_on')).toBe('2025-11-28');

    fireEvent.change(screen.getByLabelText('時点（記録日）'), { target: { value: '' } });
    await waitFor(() => expect(new URLSearchParams(router.state.location.search).has('as_known_on')).toBe(false));
  });

  it('sends the stale threshold typed and the fiscal year chosen', async () => {
    const { fetch, dashboardUrls } = dashboardServer();
    const { router } = renderApp('/?fiscal_year=2025&as_of=2025-11-25', fetch);
    const user = userEvent.setup();
    await screen.findByTestId('stage-table', {}, FIND);

    fireEvent.change(screen.getByLabelText('停滞とみなす日数'), { target: { value: '30' } });
    await waitFor(() => expect(dashboardUrls.at(-1)?.searchParams.get('stale_days')).toBe('30'));

    await user.selectOptions(screen.getByLabelText('年度'), '令和6年度');
    await waitFor(() => expect(dashboardUrls.at(-1)?.searchParams.get('fiscal_year')).toBe('2024'));
    expect(new URLSearchParams(router.state.location.search).get('stale_days')).toBe('30');
  });

  it('starts at the newest project team’s fiscal year and today, without writing them into the address', async () => {
    const { fetch, dashboardUrls } = dashboardServer();
    const { router } = renderApp('/', fetch);
    await screen.findByTestId('stage-table', {}, FIND);

    expect(dashboardUrls[0]?.searchParams.get('fiscal_year')).toBe('2025');
    expect(dashboardUrls[0]?.searchParams.get('as_of')).toBe(todayInTokyo());
    expect(screen.getByLabelText('年度')).toHaveValue('2025');
    expect(router.state.location.search).toBe('');
  });

  it('opens the list of the bar segment clicked in the stage chart', async () => {
    const { fetch } = dashboardServer();
    const { router } = renderApp('/?fiscal_year=2025&as_of=2025-11-25', fetch);
    await screen.findByTestId('stage-table', {}, FIND);

    // Series 1 is ②, category 0 ユーザーの困りごと.
    act(() => charts.get('stages')!.onItemClick!(1, 0));

    await waitFor(() => expect(router.state.location.pathname).toBe('/proposals'));
    const search = new URLSearchParams(router.state.location.search);
    expect(Object.fromEntries(search)).toEqual({
      fiscal_year: '2025',
      as_of: '2025-11-25',
      theme: 'ユーザーの困りごと',
      stage: '2',
    });
  });
});

describe('a bureau’s dashboard', () => {
  it('asks the bureau’s endpoint and is named after the bureau', async () => {
    const { fetch, bureauUrls, dashboardUrls } = dashboardServer();
    renderApp('/bureaus/21/dashboard?fiscal_year=2025&as_of=2026-03-31', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '八幡西区役所 のダッシュボード' }, FIND)).toBeInTheDocument();
    await screen.findByTestId('stage-table', {}, FIND);
    expect(bureauUrls[0]?.searchParams.get('as_of')).toBe('2026-03-31');
    expect(dashboardUrls).toHaveLength(0);
    expect(screen.getByTestId('dashboard-context')).toHaveTextContent('（八幡西区役所）');
    expect(screen.getByRole('link', { name: '八幡西区役所 のページへ戻る' })).toHaveAttribute('href', '/bureaus/21?fiscal_year=2025');
  });
});
