// Fixtures of the bureau, issue and KPI screens' component tests (not a test file itself).
import { json } from '../../test/http';
import type { KpiOut, MilestoneOut, PolicyIssueOut, PolicyOut, PolicySummaryOut } from './api';

export function milestone(overrides: Partial<MilestoneOut> = {}): MilestoneOut {
  return {
    id: 31,
    issue_id: 21,
    workstream: '子ども受付ルーム',
    quarter: 1,
    quarter_label: '第1四半期（4～6月）',
    title: '利用者アンケートの実施',
    state: 'planned',
    state_label: '予定',
    done_on: null,
    due_on: '2025-06-30',
    overdue: true,
    can_edit: true,
    version: 2,
    ...overrides,
  };
}

export function kpi(overrides: Partial<KpiOut> = {}): KpiOut {
  return {
    id: 41,
    issue_id: 21,
    bureau_id: 5,
    name: '子ども受付ルームの利用件数',
    unit: '件',
    baseline_value: 1000,
    baseline_on: '2023-11-30',
    target_value: 1200,
    target_on: '2026-03-31',
    note: null,
    actuals: [{ id: 51, value: 1057, measured_on: '2024-11-30', note: null }],
    latest_value: 1057,
    latest_on: '2024-11-30',
    change_value: 57,
    change_percent: 5.7,
    target_progress_percent: 28.5,
    links: [],
    can_edit: true,
    version: 1,
    ...overrides,
  };
}

export function issue(overrides: Partial<PolicyIssueOut> = {}): PolicyIssueOut {
  return {
    id: 21,
    policy_id: 11,
    bureau_id: 5,
    bureau_name: '八幡西区役所',
    fiscal_year: 2025,
    area: 'A',
    area_label: '行政サービス現場改善にかかる課題',
    number: 1,
    code: 'A(1)',
    policy_field: '市民サービス向上',
    impact: 'high',
    urgency: 'high',
    title: '子育て世帯の手続き負担の軽減',
    content: '子ども受付ルームでの手続きをまとめる',
    background: '窓口が分かれている',
    target_outcome: '一度の来庁で手続きが終わる',
    actions: 'ワンストップ化',
    milestones: [
      milestone(),
      milestone({ id: 32, quarter: 3, quarter_label: '第3四半期（10～12月）', title: '予約制の試行', overdue: false, due_on: '2025-12-31' }),
      milestone({ id: 33, workstream: null, quarter: 4, title: '効果検証', state: 'done', state_label: '完了', done_on: '2026-03-10', overdue: false }),
    ],
    progress_notes: [
      { id: 61, issue_id: 21, as_of: '2025-12-01', as_of_label: '令和7年12月時点', body: 'アンケートを準備中', recorded_at: '2025-12-01T01:00:00Z' },
    ],
    kpis: [kpi()],
    links: [],
    can_edit: true,
    version: 3,
    ...overrides,
  };
}

export function policy(overrides: Partial<PolicyOut> = {}): PolicyOut {
  return {
    id: 11,
    bureau_id: 5,
    bureau_name: '八幡西区役所',
    fiscal_year: 2025,
    fiscal_year_label: '令和7年度',
    mission: '区民に最も身近な行政機関として、安心して暮らせるまちをつくる',
    basic_information: null,
    review_summary: null,
    review_achieved: null,
    review_not_achieved: null,
    direction: '手続きのデジタル化を進める',
    issues: [
      issue(),
      issue({ id: 22, area: 'B', number: 2, code: 'B(2)', impact: 'low', urgency: 'high', title: '職員の働き方改革', milestones: [], progress_notes: [], kpis: [] }),
      issue({ id: 23, area: 'C', number: 1, code: 'C(1)', impact: null, urgency: null, title: '将来の窓口のあり方', milestones: [], progress_notes: [], kpis: [] }),
    ],
    can_edit: true,
    version: 2,
    created_at: '2025-04-01T00:00:00Z',
    updated_at: '2025-12-01T00:00:00Z',
    ...overrides,
  };
}

export function summaryOf(p: PolicyOut): PolicySummaryOut {
  return {
    id: p.id,
    bureau_id: p.bureau_id,
    bureau_name: p.bureau_name,
    fiscal_year: p.fiscal_year,
    fiscal_year_label: p.fiscal_year_label,
    issue_count: p.issues.length,
    can_edit: p.can_edit,
    version: p.version,
  };
}

/** The same policy as a viewer receives it: nothing may be edited. */
export function readOnly(p: PolicyOut): PolicyOut {
  return {
    ...p,
    can_edit: false,
    issues: p.issues.map((i) => ({
      ...i,
      can_edit: false,
      milestones: i.milestones.map((m) => ({ ...m, can_edit: false })),
      kpis: i.kpis.map((k) => ({ ...k, can_edit: false })),
    })),
  };
}

export const bureauRoutes = {
  'GET /api/v1/bureaus/5': () =>
    json({ id: 5, name: '八幡西区役所', kind: 'ward_office', kind_label: '区役所', sort_order: 1, version: 1 }),
  'GET /api/v1/sections': () =>
    json([{ id: 11, bureau_id: 5, name: '総務企画課', as_of: '2026-11-21', names: [], version: 1 }]),
  'GET /api/v1/bureaus/5/reforms': () => json({ items: [], total: 0, page: 1, per_page: 200 }),
  'GET /api/v1/proposals': () => json({ items: [], total: 0, page: 1, per_page: 200 }),
};
