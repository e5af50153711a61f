// Fixtures of the ledger screens' component tests (not a test file itself).
import type { UserOut } from '../../lib/api';
import { json } from '../../test/http';
import type { DigitalSystemOut, TargetOut, TargetsOut } from './api';

export const editorUser: UserOut = {
  id: 3,
  email: 'editor@platina.example',
  display_name: '戸畑 三郎',
  role: 'editor',
  scopes: { section_ids: [21], bureau_ids: [] },
  disabled: false,
};

export function system(overrides: Partial<DigitalSystemOut> = {}): DigitalSystemOut {
  return {
    id: 3,
    name: '子ども受付ルーム予約システム',
    section_id: 21,
    section_name: 'DX推進課',
    bureau_id: 9,
    bureau_name: 'デジタル市役所推進室',
    platform: 'kintone',
    platform_label: 'kintone',
    built_in_house: true,
    status: 'production',
    status_label: '本運用',
    trial_started_on: '2024-04-01',
    production_started_on: '2024-10-01',
    retired_on: null,
    workflow_before: '電話で予約を受け、紙の台帳に記入',
    workflow_after: 'フォームから予約し、kintoneで自動集計',
    annual_hours_saved: 1200,
    hours_basis: '1件10分 × 年7,200件',
    cost_effect_yen: 3_500_000,
    note: null,
    links: [],
    can_edit: true,
    version: 4,
    created_at: '2024-04-01T00:00:00Z',
    updated_at: '2025-11-20T03:00:00Z',
    ...overrides,
  };
}

export function hoursTarget(overrides: Partial<TargetOut> = {}): TargetOut {
  return {
    id: 1,
    code: 'hours',
    name: '年間削減時間 10万時間',
    metric: 'annual_hours_saved',
    unit: '時間',
    target_value: 100_000,
    due_on: '2026-03-31',
    due_label: '令和8年3月31日',
    description: 'kintone等の活用で年間10万時間の業務時間を削減する',
    measurements: [
      {
        id: 11,
        value: 40_355,
        measured_on: '2024-03-31',
        fiscal_year: 2023,
        fiscal_year_label: '令和5年度',
        source: 'kintone活用事例',
        note: null,
      },
    ],
    ledger_value: 40_355,
    progress_percent: 40.4,
    can_edit: true,
    version: 1,
    ...overrides,
  };
}

export function costTarget(overrides: Partial<TargetOut> = {}): TargetOut {
  return {
    id: 2,
    code: 'cost',
    name: '効果額 100億円',
    metric: 'cost_effect_yen',
    unit: '円',
    target_value: 10_000_000_000,
    due_on: '2026-03-31',
    due_label: '令和8年3月31日',
    description: null,
    measurements: [],
    ledger_value: 1_234_567_890,
    progress_percent: 12.3,
    can_edit: true,
    version: 1,
    ...overrides,
  };
}

export function targetsOut(targets: TargetOut[] = [hoursTarget(), costTarget()]): TargetsOut {
  return {
    targets,
    ledger: {
      systems_total: 310,
      systems_in_trial: 10,
      systems_in_production: 297,
      systems_retired: 3,
      built_in_house_operating: 281,
      in_house_rate_percent: 91.5,
      annual_hours_saved: 40_355,
      cost_effect_yen: 1_234_567_890,
      by_bureau: [
        { bureau_id: 9, bureau_name: 'デジタル市役所推進室', systems_in_production: 120, annual_hours_saved: 25_000 },
        { bureau_id: 5, bureau_name: '八幡西区役所', systems_in_production: 177, annual_hours_saved: 15_355 },
      ],
      by_fiscal_year: [
        {
          fiscal_year: 2022,
          fiscal_year_label: '令和4年度',
          systems_started: 150,
          annual_hours_saved: 20_000,
          cumulative_hours_saved: 20_000,
        },
        {
          fiscal_year: 2023,
          fiscal_year_label: '令和5年度',
          systems_started: 147,
          annual_hours_saved: 20_355,
          cumulative_hours_saved: 40_355,
        },
      ],
    },
  };
}

/** Bureaus and sections of the form's selects and the list's filters. */
export const organizationRoutes = {
  'GET /api/v1/bureaus': () =>
    json([
      { id: 9, name: 'デジタル市役所推進室', kind: 'office', kind_label: '室', sort_order: 1, version: 1 },
      { id: 5, name: '八幡西区役所', kind: 'ward_office', kind_label: '区役所', sort_order: 2, version: 1 },
    ]),
  'GET /api/v1/sections': (request: Request) => {
    const all = [
      { id: 21, bureau_id: 9, name: 'DX推進課', as_of: '2026-11-21', names: [], version: 1 },
      { id: 11, bureau_id: 5, name: '総務企画課', as_of: '2026-11-21', names: [], version: 1 },
    ];
    const bureau = new URL(request.url).searchParams.get('bureau_id');
    return json(bureau ? all.filter((s) => String(s.bureau_id) === bureau) : all);
  },
};
