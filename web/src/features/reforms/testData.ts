// Fixtures of the reform screens' component tests (not a test file itself).
import type { UserOut } from '../../lib/api';
import { json } from '../../test/http';
import type { PeriodOut, ReformOut } from './api';

/** An editor of 八幡西区役所 (bureau 5) as a whole. */
export const bureauEditor: UserOut = {
  id: 6,
  email: 'yahatanishi@platina.example',
  display_name: '八幡西 花子',
  role: 'editor',
  scopes: { section_ids: [], bureau_ids: [5] },
  disabled: false,
};

/** How the server reads the few period texts the tests type. */
export function period(text: string): PeriodOut {
  if (text === 'R7.4~ R8.2') {
    return {
      original: text,
      structured: true,
      start: { precision: 'month', earliest: '2025-04-01', latest: '2025-04-30' },
      end: { precision: 'month', earliest: '2026-02-01', latest: '2026-02-28' },
      open_ended: false,
      status: null,
      display: '令和7年4月～令和8年2月',
    };
  }
  return { original: text, structured: false, start: null, end: null, open_ended: false, status: null, display: text };
}

export function reform(overrides: Partial<ReformOut> = {}): ReformOut {
  return {
    id: 7,
    fiscal_year: 2025,
    fiscal_year_label: '令和7年度',
    bureau_id: 5,
    bureau_name: '八幡西区役所',
    sections: [{ id: 11, name: '総務企画課' }],
    report_number: 101,
    number_in_bureau: 3,
    classification: 'ii',
    classification_label: '通常業務',
    source_proposal_id: null,
    title: '区役所窓口のオンライン予約',
    problem: '窓口の待ち時間が長い',
    action: 'オンライン予約を導入',
    effect: '待ち時間の短縮',
    period: period('R7.4~ R8.2'),
    status: 'done',
    status_label: '実施済',
    tags: ['kintone', 'ペーパーレス'],
    featured: false,
    effects: [{ kind: 'hours_per_year', kind_label: '削減時間（年間）', value: 1200, unit: '時間/年', basis: '1件10分 × 年7,200件' }],
    links: [],
    can_edit: true,
    version: 4,
    created_at: '2025-10-01T01:00:00Z',
    updated_at: '2025-11-20T03:00:00Z',
    ...overrides,
  };
}

/** The organisation the forms and filters read. */
export const organizationRoutes = {
  'GET /api/v1/bureaus': () =>
    json([
      { id: 5, name: '八幡西区役所', kind: 'ward_office', kind_label: '区役所', sort_order: 1, version: 1 },
      { id: 9, name: 'デジタル市役所推進室', kind: 'office', kind_label: '室', sort_order: 2, version: 1 },
    ]),
  'GET /api/v1/sections': (request: Request) => {
    const all = [
      { id: 11, bureau_id: 5, name: '総務企画課', as_of: '2026-11-21', names: [], version: 1 },
      { id: 12, bureau_id: 5, name: '市民課', as_of: '2026-11-21', names: [], version: 1 },
      { id: 21, bureau_id: 9, name: 'DX推進課', as_of: '2026-11-21', names: [], version: 1 },
    ];
    const bureauId = new URL(request.url).searchParams.get('bureau_id');
    return json(bureauId ? all.filter((s) => String(s.bureau_id) === bureauId) : all);
  },
};
