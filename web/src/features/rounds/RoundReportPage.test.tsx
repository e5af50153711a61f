import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, type Handler } from '../../test/http';
import { organizationRoutes } from '../../test/fixtures/ledger';
import { renderApp } from '../../test/renderApp';
import type { RoundOut } from './api';
import type { ReportFigures, RoundReportOut } from './reportApi';
import { tokyoMinute } from './RoundReportPage';

function figures(changes: { reforms?: number; stage2?: number } = {}): ReportFigures {
  const reforms = changes.reforms ?? 2;
  const stage2 = changes.stage2 ?? 1;
  return {
    as_of: '2025-12-31',
    known_at: '2026-01-20T08:05:00Z',
    fiscal_year: 2025,
    bureau_id: 9,
    stage_labels: ['①所管課に提示', '②検討中', '③実施決定', '④実施済'],
    proposal_stages: [{ theme: 'ユーザーの困りごと', counts: [3, stage2, 0, 0], not_presented: 1, total: 4 + stage2 }],
    proposal_totals: { theme: '', counts: [3, stage2, 0, 0], not_presented: 1, total: 4 + stage2 },
    bureaus: [
      {
        bureau_id: 9,
        bureau: 'デジタル市役所推進室',
        issues: [
          {
            id: 31,
            area: 'X',
            number: 1,
            title: '行政手続のオンライン化',
            latest_note: { as_of: '2025-12-31', as_of_label: '令和7年12月末', body: '申請 120 手続をオンライン化', recorded_at: '2026-01-05T00:00:00Z' },
          },
        ],
        milestones: { done: 2, slipped: 1, open: 3, overdue: 1 },
        kpis: [
          {
            id: 44,
            name: 'オンライン申請率',
            unit: '%',
            baseline_value: 10,
            target_value: 60,
            latest_on: '2025-12-31',
            latest_value: 42,
            previous_on: '2025-09-30',
            previous_value: 35,
            change: 7,
          },
        ],
      },
    ],
    reforms: {
      total: reforms,
      by_status: { done: 0, ended: 0, in_progress: reforms - 1, planned: 0, trial: 1, under_consideration: 0 },
      by_bureau: { '9': reforms },
      effects: [{ kind: 'hours_per_year', unit: '時間', total: 240, reforms: 2 }],
    },
    ledger: {
      systems_in_production: 3,
      in_house: 2,
      in_house_rate: 2 / 3,
      annual_hours_saved: 1200,
      cost_effect_yen: 3500000,
      published_hours: null,
      published_hours_on: null,
    },
  };
}

const versions = [
  { version: 1, known_at: '2026-01-20T08:05:00Z' },
  { version: 2, known_at: '2026-02-03T01:30:00Z' },
];

function report(changes: Partial<RoundReportOut> & { figures?: ReportFigures } = {}): RoundReportOut {
  const { figures: body, ...rest } = changes;
  return {
    round_id: 7,
    round_title: '令和7年度 第3四半期 進捗照会',
    version: 1,
    versions: [versions[0]!],
    as_of: '2025-12-31',
    closed_at: '2026-01-20T08:05:00Z',
    bureau_id: 9,
    live: false,
    report: (body ?? figures()) as unknown as RoundReportOut['report'],
    ...rest,
  };
}

function server(routes: Record<string, Handler>) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('t')),
    'GET /api/v1/me/round-requests': () => json({ items: [], total: 0, page: 1, per_page: 100 }),
    ...organizationRoutes,
    ...routes,
  });
}

afterEach(() => {
  localStorage.clear();
  vi.restoreAllMocks();
});

describe('the report page of a closed round', () => {
  it('writes the close instant in Japan time to the minute', () => {
    expect(tokyoMinute('2026-01-20T08:05:00Z')).toBe('2026-01-20 17:05');
    expect(tokyoMinute('2026-01-31T15:00:00Z')).toBe('2026-02-01 00:00');
  });

  it('shows the frozen figures with the round, 基準日 and the close they are fixed at', async () => {
    const { fetch, calls } = server({ 'GET /api/v1/rounds/7/report': () => json(report()) });
    renderApp('/rounds/7/report', fetch);
    expect(await screen.findByRole('heading', { level: 1, name: '令和7年度 第3四半期 進捗照会' })).toBeInTheDocument();
    expect(screen.getByTestId('report-basis')).toHaveTextContent('締切時点（2026-01-20 17:05）の確定値');
    expect(screen.getByTestId('report-as-of')).toHaveTextContent('2025年12月31日');
    // One close: no version to pick.
    expect(screen.queryByLabelText('報告の版')).not.toBeInTheDocument();

    const stages = screen.getByTestId('report-stages');
    expect(within(stages).getByRole('columnheader', { name: '②検討中' })).toBeInTheDocument();
    expect(within(stages).getByRole('link', { name: 'ユーザーの困りごと ②検討中 1件' })).toHaveAttribute(
      'href',
      `/proposals?fiscal_year=2025&as_of=2025-12-31&bureau_id=9&theme=${encodeURIComponent('ユーザーの困りごと').replace(/%20/g, '+')}&stage=2`,
    );
    const bureau = screen.getByTestId('report-bureau-9');
    expect(within(bureau).getByRole('link', { name: 'X1 行政手続のオンライン化' })).toHaveAttribute('href', '/policy-issues/31');
    expect(within(bureau).getByRole('link', { name: 'オンライン申請率' })).toHaveAttribute('href', '/kpis/44');
    expect(within(bureau).getByRole('link', { name: 'デジタル市役所推進室 期限超過 1件' })).toHaveAttribute(
      'href',
      '/milestones?fiscal_year=2025&bureau_id=9&overdue_on=2025-12-31',
    );
    expect(within(bureau).getByText(/申請 120 手続をオンライン化/)).toBeInTheDocument();
    expect(within(screen.getByTestId('report-reforms-total')).getByRole('link')).toHaveAttribute(
      'href',
      '/reforms?fiscal_year=2025&as_of=2025-12-31&bureau_id=9',
    );
    const byStatus = screen.getByRole('table', { name: '状況別' });
    expect(within(byStatus).getAllByRole('rowheader').map((cell) => cell.textContent)).toEqual(['検討中', '実施予定', '試行中', '実施中', '実施済', '終了']);
    expect(screen.getByTestId('report-ledger')).toHaveTextContent('1,200時間');
    expect(screen.queryByTestId('report-corrections')).not.toBeInTheDocument();
    const asked = calls.find((c) => c.path === '/api/v1/rounds/7/report');
    expect(asked?.authorization).toBe('Bearer t');
  });

  it('offers every close of a round closed twice and shows the one picked', async () => {
    const { fetch } = server({
      'GET /api/v1/rounds/7/report': (request) => {
        const version = new URL(request.url).searchParams.get('version');
        if (version === '1') return json(report({ versions, figures: figures({ reforms: 2 }) }));
        return json(report({ version: 2, versions, closed_at: versions[1]!.known_at, figures: figures({ reforms: 1 }) }));
      },
    });
    const { router } = renderApp('/rounds/7/report', fetch);
    const picker = await screen.findByLabelText('報告の版');
    expect(picker).toHaveValue('2');
    expect(within(picker).getAllByRole('option').map((o) => o.textContent)).toEqual([
      '第2版（締切 2026-02-03 10:30）（最新）',
      '第1版（締切 2026-01-20 17:05）',
    ]);
    expect(screen.getByTestId('report-reforms-total')).toHaveTextContent('1');

    await userEvent.setup().selectOptions(picker, '1');
    await waitFor(() => expect(screen.getByTestId('report-basis')).toHaveTextContent('締切時点（2026-01-20 17:05）の確定値'));
    expect(screen.getByTestId('report-reforms-total')).toHaveTextContent('2');
    expect(router.state.location.search).toBe('?version=1');
  });

  it('switches to the live view with the corrections since closing, each linked to its record', async () => {
    const corrections = [
      { kind: 'stage_event', record_id: 501, recorded_at: '2026-01-22T02:00:00Z', effective_on: '2025-12-20', deleted: false, link: '/proposals/88' },
      { kind: 'reform', record_id: 12, recorded_at: '2026-01-23T02:00:00Z', effective_on: null, deleted: true, link: '/reforms/12' },
    ];
    const { fetch } = server({
      'GET /api/v1/rounds/7/report': (request) =>
        new URL(request.url).searchParams.get('live') === 'true'
          ? json({ ...report({ live: true, corrections, figures: figures({ reforms: 1, stage2: 2 }) }), computed_at: '2026-01-23T02:30:00Z' })
          : json(report()),
    });
    const { router } = renderApp('/rounds/7/report', fetch);
    const live = await screen.findByRole('radio', { name: '現在の値と締切後の訂正' });
    await userEvent.setup().click(live);

    const listed = await screen.findByTestId('report-corrections');
    expect(within(listed).getByRole('heading', { name: '締切後の訂正 2 件' })).toBeInTheDocument();
    expect(within(listed).getByRole('link', { name: '課題提案の段階 #501 を開く' })).toHaveAttribute('href', '/proposals/88');
    expect(within(listed).getByRole('link', { name: '自主改革 #12 を開く' })).toHaveAttribute('href', '/reforms/12');
    expect(within(listed).getByText('削除')).toBeInTheDocument();
    expect(screen.getByTestId('report-basis')).toHaveTextContent('現在の値（2026-01-23 11:30 時点の記録）');
    expect(screen.getByTestId('report-reforms-total')).toHaveTextContent('1');
    expect(router.state.location.search).toBe('?view=live');

    // Back to the frozen figures: the numbers of the close again.
    await userEvent.setup().click(screen.getByRole('radio', { name: '締切時点の確定値' }));
    await waitFor(() => expect(screen.queryByTestId('report-corrections')).not.toBeInTheDocument());
    expect(screen.getByTestId('report-reforms-total')).toHaveTextContent('2');
  });

  it('downloads the frozen figures of the version shown with the bearer token', async () => {
    const saved: string[] = [];
    // jsdom has no object URLs.
    Object.defineProperty(URL, 'createObjectURL', { configurable: true, writable: true, value: vi.fn(() => 'blob:http://localhost/report') });
    Object.defineProperty(URL, 'revokeObjectURL', { configurable: true, writable: true, value: vi.fn() });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    const { fetch, calls } = server({
      'GET /api/v1/rounds/7/report': () => json(report()),
      'GET /api/v1/rounds/7/report.xlsx': () =>
        new Response('PK', {
          headers: {
            'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
            'Content-Disposition': 'attachment; filename="round-7-report-v1.xlsx"',
          },
        }),
    });
    renderApp('/rounds/7/report', fetch);
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Excel（XLSX）' }));
    expect(await screen.findByText('round-7-report-v1.xlsx を保存しました。')).toBeInTheDocument();
    expect(saved).toEqual(['round-7-report-v1.xlsx']);
    const file = calls.find((c) => c.path === '/api/v1/rounds/7/report.xlsx');
    expect(file?.authorization).toBe('Bearer t');
  });

  it('says a round never closed has no report', async () => {
    const { fetch } = server({
      'GET /api/v1/rounds/7/report': () =>
        problem(409, 'conflict', 'Conflict', { detail: 'この照会はまだ締め切られていないため、報告はありません' }),
    });
    renderApp('/rounds/7/report', fetch);
    expect(await screen.findByRole('alert')).toHaveTextContent('この照会はまだ締め切られていないため、報告はありません。');
  });

  it('says a just-closed round\'s report is being made and shows it once it is kept', async () => {
    let kept = false;
    const { fetch } = server({
      'GET /api/v1/rounds/7/report': () =>
        kept ? json(report()) : problem(409, 'conflict', 'Conflict', { detail: '報告を作成中です' }),
      'GET /api/v1/rounds/7': () =>
        json({ id: 7, state: 'closed', closed_at: '2026-01-20T08:05:00Z', version: 6 } as unknown as RoundOut),
    });
    renderApp('/rounds/7/report', fetch);
    expect(await screen.findByRole('alert')).toHaveTextContent('締切時点の数値で報告を作成しています。');
    kept = true;
    expect(
      await screen.findByRole('heading', { level: 1, name: '令和7年度 第3四半期 進捗照会' }, { timeout: 6000 }),
    ).toBeInTheDocument();
    expect(screen.getByTestId('report-basis')).toHaveTextContent('締切時点（2026-01-20 17:05）の確定値');
    expect(screen.queryByText('締切時点の数値で報告を作成しています。')).not.toBeInTheDocument();
  }, 10000);
});

describe('the round page links its report', () => {
  const closed: RoundOut = {
    id: 7,
    title: '令和7年度 第3四半期 進捗照会',
    as_of: '2025-12-31',
    due_on: '2026-01-16',
    fiscal_year: 2025,
    state: 'closed',
    state_label: '締切済',
    record_kinds: ['reform'],
    bureau_ids: [9],
    section_ids: [],
    reminder_schedule: { reminder_days_before: [7, 2], remind_on_due_date: true, overdue_every_business_days: 3 },
    request_counts: { unanswered: 0, in_progress: 0, answered: 0, returned: 0, accepted: 1, total: 1 },
    can_manage: true,
    opened_at: '2026-01-05T00:00:00Z',
    closed_at: '2026-01-20T08:05:00Z',
    reopen_reason: null,
    created_at: '2025-12-20T00:00:00Z',
    updated_at: '2026-01-20T08:05:00Z',
    version: 6,
  };
  const requests = () => json({ items: [], total: 0, page: 1, per_page: 200 });

  it('from a closed round and, for its earlier closes, from a reopened one, but not from an open one never closed', async () => {
    let shown: RoundOut = closed;
    const { fetch } = server({ 'GET /api/v1/rounds/7': () => json(shown), 'GET /api/v1/rounds/7/requests': requests });
    const first = renderApp('/rounds/7', fetch);
    expect(await screen.findByRole('link', { name: '報告を開く' })).toHaveAttribute('href', '/rounds/7/report');
    first.unmount();

    shown = { ...closed, state: 'open', closed_at: null, reopen_reason: '回答の訂正' };
    const second = renderApp('/rounds/7', fetch);
    expect(await screen.findByRole('link', { name: 'これまでの締切時点の報告を開く' })).toHaveAttribute('href', '/rounds/7/report');
    second.unmount();

    shown = { ...closed, state: 'open', closed_at: null };
    renderApp('/rounds/7', fetch);
    await screen.findByTestId('round-state');
    expect(screen.queryByTestId('round-report-link')).not.toBeInTheDocument();
  });
});
