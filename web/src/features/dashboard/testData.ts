import type { DashboardOut, FigureOut, MilestoneListItemOut } from './api';

/** A figure whose API list and SPA path share their query, as the server builds them. */
export function figure(count: number, path: string): FigureOut {
  return { count, path, list: `/api/v1${path}` };
}

const Q = 'fiscal_year=2025&as_of=2025-11-25';
const USER = encodeURIComponent('ユーザーの困りごと');
const STAFF = encodeURIComponent('職員の困りごと');

/** The city's dashboard of 令和7年度 as of 2025-11-25: seed 003's table (10 / 23 / 0 / 1) and a few reforms. */
export function dashboardOut(overrides: Partial<DashboardOut> = {}): DashboardOut {
  const stages = (theme: string, counts: number[]) =>
    counts.map((count, index) => figure(count, `/proposals?${Q}&theme=${theme}&stage=${index + 1}`));
  return {
    fiscal_year: 2025,
    fiscal_year_label: '令和7年度',
    as_of: '2025-11-25',
    bureau: null,
    proposals: {
      total: figure(34, `/proposals?${Q}`),
      stage_labels: ['①所管課に提示', '②PTと所管課で協議', '③継続／終了の判断', '④既に所管課で対応済'],
      by_stage_theme: [
        {
          theme: 'ユーザーの困りごと',
          stages: stages(USER, [5, 11, 0, 1]),
          not_presented: figure(0, `/proposals?${Q}&theme=${USER}&stage=0`),
          total: figure(17, `/proposals?${Q}&theme=${USER}`),
        },
        {
          theme: '職員の困りごと',
          stages: stages(STAFF, [5, 12, 0, 0]),
          not_presented: figure(0, `/proposals?${Q}&theme=${STAFF}&stage=0`),
          total: figure(17, `/proposals?${Q}&theme=${STAFF}`),
        },
      ],
      stage_totals: [10, 23, 0, 1].map((count, index) => figure(count, `/proposals?${Q}&stage=${index + 1}`)),
      not_presented: figure(0, `/proposals?${Q}&stage=0`),
      by_implementation_status: [
        { key: 'planned', label: '実施予定', figure: figure(6, `/proposals?${Q}&implementation_status=planned`) },
        { key: 'none', label: '未設定', figure: figure(19, `/proposals?${Q}&implementation_status=none`) },
      ],
      by_bureau: [{ key: '21', label: '八幡西区役所', figure: figure(2, `/proposals?${Q}&bureau_id=21`) }],
    },
    reforms: {
      total: figure(130, `/reforms?${Q}`),
      by_bureau: [
        { key: '1', label: '会計室', figure: figure(3, `/reforms?${Q}&bureau_id=1`) },
        { key: '21', label: '八幡西区役所', figure: figure(27, `/reforms?${Q}&bureau_id=21`) },
      ],
      by_classification: [
        { key: 'ii', label: 'ii 通常業務での改善', figure: figure(100, `/reforms?${Q}&classification=ii`) },
        { key: 'none', label: '分類なし', figure: figure(2, `/reforms?${Q}&classification=none`) },
      ],
      by_status: [{ key: 'in_progress', label: '実施中', figure: figure(42, `/reforms?${Q}&status=in_progress`) }],
      by_tag: [
        { key: 'kintone', label: 'kintone', figure: figure(20, `/reforms?${Q}&tag=kintone`) },
        { key: 'ペーパーレス', label: 'ペーパーレス', figure: figure(23, `/reforms?${Q}&tag=${encodeURIComponent('ペーパーレス')}`) },
      ],
    },
    implementations: {
      by_month: [
        { key: '2025-04', label: '2025-04', figure: figure(35, `/reforms?${Q}&started_in=2025-04`) },
        { key: '2025-05', label: '2025-05', figure: figure(5, `/reforms?${Q}&started_in=2025-05`) },
      ],
      text_only: figure(11, `/reforms?${Q}&period=text_only`),
      missing: figure(7, `/reforms?${Q}&period=missing`),
    },
    hours_saved: {
      target_hours: 100_000,
      hours: 1_234.5,
      systems: figure(3, '/digital-systems?in_production_on=2025-11-25'),
      published: { hours: 40_355, measured_on: '2024-03-31', note: null },
      by_bureau: [
        { key: '30', label: 'デジタル市役所推進室', hours: 1_234.5, systems: figure(3, '/digital-systems?in_production_on=2025-11-25&bureau_id=30') },
      ],
      by_fiscal_year: [],
    },
    kpis: [
      {
        id: 1,
        name: 'デジラボ RPA 削減時間',
        unit: '時間',
        bureau_id: 30,
        bureau: 'デジタル市役所推進室',
        path: '/kpis/1',
        baseline_value: 948,
        target_value: null,
        latest_value: 1002,
        latest_on: '2024-11-30',
        previous_value: null,
        previous_on: null,
        change: 54,
      },
    ],
    stale: {
      days: 60,
      proposals: figure(33, `/proposals?${Q}&stale_days=60`),
      milestones: figure(4, '/milestones?fiscal_year=2025&overdue_on=2025-11-25'),
    },
    ...overrides,
  };
}

export function milestoneItem(overrides: Partial<MilestoneListItemOut> = {}): MilestoneListItemOut {
  return {
    id: 1,
    title: '受付ルーム試行設置',
    quarter: 1,
    quarter_label: '第1四半期（4～6月）',
    due_on: '2025-06-30',
    done: false,
    overdue: true,
    issue_id: 13,
    issue_title: '区民に寄り添う、まちの窓口',
    policy_id: 2,
    bureau_id: 21,
    bureau: '八幡西区役所',
    ...overrides,
  };
}
