import type { EntityKind, SearchHitOut, SearchOut, TextFragment } from './api';

/** `窓口の[予約]を…` → fragments, the bracketed parts highlighted. */
export function fragments(marked: string): TextFragment[] {
  return marked
    .split(/(\[[^\]]*\])/)
    .filter((part) => part !== '')
    .map((part) =>
      part.startsWith('[') ? { text: part.slice(1, -1), highlighted: true } : { text: part, highlighted: false },
    );
}

export function hit(overrides: Partial<SearchHitOut> & { kind: EntityKind; id: number }): SearchHitOut {
  return {
    title: fragments('区役所窓口の[予約]'),
    snippet: fragments('…窓口の[予約]をオンラインで受け付け、待ち時間を減らす…'),
    bureau_id: 5,
    bureau_name: '八幡西区役所',
    fiscal_year: 2025,
    fiscal_year_label: '令和7年度',
    path: `/${overrides.kind}s/${overrides.id}`,
    score: 1,
    ...overrides,
  };
}

const EVERY_KIND: EntityKind[] = ['proposal', 'reform', 'policy_issue', 'digital_system', 'kpi'];

export function searchOut(
  hits: SearchHitOut[],
  counts: Partial<Record<EntityKind, number>>,
  overrides: Partial<SearchOut> = {},
): SearchOut {
  return {
    query: '予約',
    terms: ['予約'],
    total: hits.length,
    counts: EVERY_KIND.map((kind) => ({ kind, count: counts[kind] ?? 0 })),
    page: 1,
    per_page: 20,
    hits,
    ...overrides,
  };
}

/** Ranked as a server might: a reform first, then proposals and a system. */
export const rankedHits: SearchHitOut[] = [
  hit({ kind: 'reform', id: 7, path: '/reforms/7', score: 9 }),
  hit({
    kind: 'proposal',
    id: 3,
    path: '/proposals/3',
    title: fragments('窓口[予約]の待ち時間'),
    bureau_name: null,
    bureau_id: null,
    score: 8,
  }),
  hit({
    kind: 'digital_system',
    id: 4,
    path: '/digital-systems/4',
    title: fragments('子ども受付ルーム[予約]システム'),
    fiscal_year: null,
    fiscal_year_label: null,
    score: 7,
  }),
  hit({ kind: 'proposal', id: 9, path: '/proposals/9', title: fragments('施設[予約]の一元化'), score: 6 }),
];
