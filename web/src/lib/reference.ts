// Reference data every screen offers in filters and forms: bureaus, their sections (with today's
// names) and the project teams. One cache under ORGANIZATION_KEY, so an edit on the organisation
// screen refreshes every select that lists them.
import { useQuery } from '@tanstack/react-query';
import { dataOf, useApi, type BureauOut, type SectionOut } from './api';
import { ORGANIZATION_KEY } from './queryKeys';

const REFERENCE_STALE_MS = 5 * 60_000;

export const referenceKeys = {
  bureaus: () => [...ORGANIZATION_KEY, 'bureaus'] as const,
  bureau: (id: number) => [...ORGANIZATION_KEY, 'bureau', id] as const,
  sections: () => [...ORGANIZATION_KEY, 'sections', 'today'] as const,
  sectionsOf: (bureauId: number) => [...ORGANIZATION_KEY, 'sections', 'today', bureauId] as const,
  sectionGroups: () => [...ORGANIZATION_KEY, 'section-groups'] as const,
  projectTeams: () => [...ORGANIZATION_KEY, 'project-teams'] as const,
};

export interface SectionGroup {
  bureau: BureauOut;
  sections: SectionOut[];
}

function byId(a: { id: number }, b: { id: number }): number {
  return a.id - b.id;
}

/** Every bureau in the city's order. */
export function useBureauList() {
  const api = useApi();
  return useQuery({
    queryKey: referenceKeys.bureaus(),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/bureaus', { signal })),
    staleTime: REFERENCE_STALE_MS,
  });
}

export function useBureau(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: referenceKeys.bureau(id),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/bureaus/{id}', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

/** Today's sections of every bureau; screens filter them by bureau themselves. */
export function useAllSections() {
  const api = useApi();
  return useQuery({
    queryKey: referenceKeys.sections(),
    queryFn: async ({ signal }) => [...dataOf(await api.client.GET('/api/v1/sections', { signal }))].sort(byId),
    staleTime: REFERENCE_STALE_MS,
  });
}

/** Today's sections of one bureau, for a form's second select; idle until a bureau is chosen. */
export function useSectionsOf(bureauId: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: referenceKeys.sectionsOf(bureauId ?? 0),
    queryFn: async ({ signal }) =>
      [
        ...dataOf(
          await api.client.GET('/api/v1/sections', { params: { query: { bureau_id: bureauId ?? 0 } }, signal }),
        ),
      ].sort(byId),
    enabled: bureauId !== null && bureauId > 0,
    staleTime: REFERENCE_STALE_MS,
  });
}

/** Every section with today's name under its bureau, in the bureaus' order (bureaus without sections too). */
export function useSectionGroups({ withSectionsOnly = false }: { withSectionsOnly?: boolean } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: referenceKeys.sectionGroups(),
    queryFn: async ({ signal }): Promise<SectionGroup[]> => {
      const [bureaus, sections] = await Promise.all([
        api.client.GET('/api/v1/bureaus', { signal }).then(dataOf),
        api.client.GET('/api/v1/sections', { signal }).then(dataOf),
      ]);
      return bureaus.map((bureau) => ({
        bureau,
        sections: sections.filter((s) => s.bureau_id === bureau.id).sort(byId),
      }));
    },
    select: withSectionsOnly ? (groups) => groups.filter((group) => group.sections.length > 0) : undefined,
    staleTime: REFERENCE_STALE_MS,
  });
}

/** The project teams, newest fiscal year first. */
export function useProjectTeams() {
  const api = useApi();
  return useQuery({
    queryKey: referenceKeys.projectTeams(),
    queryFn: async ({ signal }) => {
      const teams = dataOf(await api.client.GET('/api/v1/project-teams', { signal }));
      return [...teams].sort((a, b) => b.fiscal_year - a.fiscal_year);
    },
  });
}
