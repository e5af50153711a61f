// Fixtures of the proposal screens' component tests (not a test file itself).
import type { UserOut } from '../../lib/api';
import { json } from '../../test/http';
import type { AssignmentOut, ProjectTeamOut, ProposalOut } from './api';

export const proposerUser: UserOut = {
  id: 2,
  email: 'proposer@platina.example',
  display_name: '八幡 次郎',
  role: 'proposer',
  scopes: { section_ids: [], bureau_ids: [] },
  disabled: false,
};

export const editorUser: UserOut = {
  id: 3,
  email: 'editor@platina.example',
  display_name: '戸畑 三郎',
  role: 'editor',
  scopes: { section_ids: [11], bureau_ids: [] },
  disabled: false,
};

export const team2025: ProjectTeamOut = {
  id: 1,
  fiscal_year: 2025,
  fiscal_year_label: '令和7年度',
  name: '令和7年度 プラチナ市役所プロジェクトチーム',
  themes: ['ユーザーの困りごと', '職員の困りごと'],
  members: [],
  headcount: 26,
  version: 1,
};

export const team2026: ProjectTeamOut = { ...team2025, id: 2, fiscal_year: 2026, fiscal_year_label: '令和8年度' };

export function assignment(overrides: Partial<AssignmentOut> = {}): AssignmentOut {
  return {
    id: 21,
    section_id: 11,
    section_name: '総務企画課',
    bureau_id: 5,
    bureau_name: '八幡西区役所',
    stage: 1,
    stage_label: '①所管課に提示',
    decision: null,
    allowed_next: [2, 4],
    can_act: true,
    ...overrides,
  };
}

export function proposal(overrides: Partial<ProposalOut> = {}): ProposalOut {
  return {
    id: 7,
    fiscal_year: 2025,
    number: '7',
    theme: 'ユーザーの困りごと',
    scene: '行政手続きの場面等',
    viewpoint: '市民の目線',
    title: '区役所の窓口が混雑して待ち時間が長い',
    pain_point: '窓口で長く待たされる',
    proposed_solution: '予約制の導入',
    implementation_status: 'planned',
    implementation_status_label: '実施予定',
    outcome_period: null,
    outcome_text: null,
    continues_proposal_id: null,
    created_by_user_id: 2,
    stage: 2,
    stage_label: '②PTと所管課で協議',
    assignments: [assignment({ stage: 2, stage_label: '②PTと所管課で協議', allowed_next: [1, 3, 4] })],
    version: 3,
    created_at: '2025-10-01T01:00:00Z',
    updated_at: '2025-11-20T03:00:00Z',
    ...overrides,
  };
}

/** Routes every screen of the shell needs besides its own. */
export const organizationRoutes = {
  'GET /api/v1/bureaus': () =>
    json([{ id: 5, name: '八幡西区役所', kind: 'ward_office', kind_label: '区役所', sort_order: 1, version: 1 }]),
  'GET /api/v1/sections': () =>
    json([
      { id: 11, bureau_id: 5, name: '総務企画課', as_of: '2026-11-21', names: [], version: 1 },
      { id: 12, bureau_id: 5, name: '市民課', as_of: '2026-11-21', names: [], version: 1 },
    ]),
};
