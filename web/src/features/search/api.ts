import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Client } from 'openapi-fetch';
import { dataOf, useApi } from '../../lib/api';
import type { components } from '../../lib/api/schema';

export type EntityKind = components['schemas']['EntityKindDto'];

// The search endpoint is newer than schema.d.ts; these mirror the server's SearchOut field for
// field and can become components['schemas'][...] aliases once `npm run gen:api` has run.
export interface TextFragment {
  text: string;
  highlighted: boolean;
}

export interface SearchHitOut {
  kind: EntityKind;
  id: number;
  title: TextFragment[];
  snippet: TextFragment[];
  bureau_id: number | null;
  bureau_name: string | null;
  fiscal_year: number | null;
  fiscal_year_label: string | null;
  path: string;
  score: number;
}

export interface SearchKindCount {
  kind: EntityKind;
  count: number;
}

export interface SearchOut {
  query: string;
  terms: string[];
  total: number;
  counts: SearchKindCount[];
  page: number;
  per_page: number;
  hits: SearchHitOut[];
}

export interface SearchQuery {
  q: string;
  kind?: EntityKind;
  page?: number;
  per_page?: number;
}

/** The server refuses longer queries (422), so the inputs stop there. */
export const MAX_QUERY_LENGTH = 200;

/** The order groups, tabs and counts are shown in. */
export const SEARCH_KINDS: readonly EntityKind[] = ['proposal', 'reform', 'policy_issue', 'digital_system', 'kpi'];

export function isEntityKind(value: unknown): value is EntityKind {
  return typeof value === 'string' && (SEARCH_KINDS as readonly string[]).includes(value);
}

interface SearchPaths {
  '/api/v1/search': {
    get: {
      parameters: { query: SearchQuery };
      responses: { 200: { content: { 'application/json': SearchOut } } };
    };
  };
}

export const searchKeys = {
  results: (query: SearchQuery) => ['search', query] as const,
};

/** Runs a search while `enabled` and `q` has a character to look for. */
export function useSearch(query: SearchQuery, { enabled = true }: { enabled?: boolean } = {}) {
  const api = useApi();
  // Same client object, so the token, the refresh on 401 and ApiProblem all still apply.
  const client = api.client as unknown as Client<SearchPaths>;
  return useQuery({
    queryKey: searchKeys.results(query),
    queryFn: async ({ signal }) => dataOf(await client.GET('/api/v1/search', { params: { query }, signal })),
    enabled: enabled && query.q.length > 0,
    placeholderData: keepPreviousData,
  });
}

const ROUTE_OF_KIND: Record<EntityKind, string> = {
  proposal: '/proposals',
  reform: '/reforms',
  policy_issue: '/policy-issues',
  digital_system: '/digital-systems',
  kpi: '/kpis',
};

/**
 * The SPA route of a hit. The server's `path` is used when it is a local path; anything else
 * (`//host`, `https:`) is never followed, and the route is rebuilt from kind and id instead.
 */
export function hitPath(hit: Pick<SearchHitOut, 'kind' | 'id' | 'path'>): string {
  if (/^\/(?![/\\])/.test(hit.path)) return hit.path;
  return `${ROUTE_OF_KIND[hit.kind]}/${hit.id}`;
}

/** Hits in display order of their kind, keeping the server's ranking inside each kind. */
export function groupHitsByKind(hits: readonly SearchHitOut[]): { kind: EntityKind; hits: SearchHitOut[] }[] {
  return SEARCH_KINDS.map((kind) => ({ kind, hits: hits.filter((hit) => hit.kind === kind) })).filter(
    (group) => group.hits.length > 0,
  );
}

export function countOf(out: Pick<SearchOut, 'counts'> | undefined, kind: EntityKind): number {
  return out?.counts.find((c) => c.kind === kind)?.count ?? 0;
}

/** `/search?q=…` (and kind, page when given). */
export function searchPageLink(q: string, kind?: EntityKind, page?: number): string {
  const params = new URLSearchParams({ q });
  if (kind) params.set('kind', kind);
  if (page && page > 1) params.set('page', String(page));
  return `/search?${params.toString()}`;
}
