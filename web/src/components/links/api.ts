import { useQuery } from '@tanstack/react-query';
import { dataOf, useApi, type ApiClient } from '../../lib/api';
import type { components } from '../../lib/api/schema';

export type LinkOut = components['schemas']['LinkOut'];
export type LinkIn = components['schemas']['LinkIn'];
export type EntityKindDto = components['schemas']['EntityKindDto'];

/**
 * The chain of the reform work: a link always goes from an earlier kind to a later one, so the
 * position in this list decides which end of a new link is `from`.
 */
export const CHAIN: readonly EntityKindDto[] = ['proposal', 'reform', 'policy_issue', 'digital_system', 'kpi'];

export function chainIndex(kind: EntityKindDto): number {
  return CHAIN.indexOf(kind);
}

/** The kinds a record of `kind` can be linked with: every other kind of the chain. */
export function linkableKinds(kind: EntityKindDto): { earlier: EntityKindDto[]; later: EntityKindDto[] } {
  const own = chainIndex(kind);
  return {
    earlier: CHAIN.filter((_, index) => index < own),
    later: CHAIN.filter((_, index) => index > own),
  };
}

/** The body that links `self` with `other`, ordered along the chain. */
export function linkBody(
  self: { kind: EntityKindDto; id: number },
  other: { kind: EntityKindDto; id: number },
  note: string | null,
): LinkIn {
  const [from, to] = chainIndex(other.kind) < chainIndex(self.kind) ? [other, self] : [self, other];
  return { from_kind: from.kind, from_id: from.id, to_kind: to.kind, to_id: to.id, note };
}

export const LINKS_KEY = ['links'] as const;

export const linkKeys = {
  search: (kind: EntityKindDto, q: string) => [...LINKS_KEY, 'search', kind, q] as const,
  kpi: (id: number) => [...LINKS_KEY, 'kpi', id] as const,
};

/** One candidate of the search, whatever its kind. */
export interface Candidate {
  id: number;
  title: string;
  bureauName: string | null;
}

const SEARCH_PAGE = 10;

/** The list endpoints' `q` search, reduced to what the picker shows. KPIs have no list endpoint. */
async function searchCandidates(
  api: ApiClient,
  kind: EntityKindDto,
  q: string,
  signal: AbortSignal,
): Promise<Candidate[]> {
  const query = { q, page: 1, per_page: SEARCH_PAGE };
  switch (kind) {
    case 'proposal': {
      const page = dataOf(await api.client.GET('/api/v1/proposals', { params: { query }, signal }));
      return page.items.map((item) => ({
        id: item.id,
        title: item.title,
        bureauName: item.assignments[0]?.bureau_name ?? null,
      }));
    }
    case 'reform': {
      const page = dataOf(await api.client.GET('/api/v1/reforms', { params: { query }, signal }));
      return page.items.map((item) => ({ id: item.id, title: item.title, bureauName: item.bureau_name }));
    }
    case 'policy_issue': {
      const page = dataOf(await api.client.GET('/api/v1/policy-issues', { params: { query }, signal }));
      return page.items.map((item) => ({
        id: item.id,
        title: `${item.code} ${item.title}`,
        bureauName: item.bureau_name,
      }));
    }
    case 'digital_system': {
      const page = dataOf(await api.client.GET('/api/v1/digital-systems', { params: { query }, signal }));
      return page.items.map((item) => ({ id: item.id, title: item.name, bureauName: item.bureau_name }));
    }
    case 'kpi':
      return [];
  }
}

export function useCandidateSearch(kind: EntityKindDto, q: string) {
  const api = useApi();
  return useQuery({
    queryKey: linkKeys.search(kind, q),
    queryFn: ({ signal }) => searchCandidates(api, kind, q, signal),
    enabled: q !== '' && kind !== 'kpi',
  });
}

/** The KPI a typed id points at, so the user sees what they are about to link. */
export function useKpiPreview(id: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: linkKeys.kpi(id ?? 0),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/kpis/{id}', { params: { path: { id: id ?? 0 } }, signal })),
    enabled: id !== null,
    retry: false,
  });
}
