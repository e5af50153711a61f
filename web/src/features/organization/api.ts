import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  dataOf,
  useApi,
  type BureauIn,
  type BureauOut,
  type BureauPatchIn,
  type SectionIn,
  type SectionOut,
  type SectionRenameIn,
} from '../../lib/api';
import { ifMatch } from '../../lib/api';
import { ORGANIZATION_KEY } from '../../lib/queryKeys';

export { ifMatch } from '../../lib/api';
export { useBureauList as useBureaus } from '../../lib/reference';

export const organizationKeys = {
  sections: (bureauId: number, asOf: string) => [...ORGANIZATION_KEY, 'sections', bureauId, asOf] as const,
};

/** The sections of one bureau with the names in force on `asOf`; idle until `enabled`. */
export function useSections(bureauId: number, asOf: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: organizationKeys.sections(bureauId, asOf),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/sections', {
          params: { query: { bureau_id: bureauId, as_of: asOf } },
          signal,
        }),
      ),
    enabled,
  });
}

/** Invalidates every organisation query (after a write, or after a 412 to show what the other person saved). */
export function useInvalidateOrganization() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ORGANIZATION_KEY });
}

export function useCreateBureau() {
  const api = useApi();
  const invalidate = useInvalidateOrganization();
  return useMutation({
    mutationFn: async (body: BureauIn): Promise<BureauOut> =>
      dataOf(await api.client.POST('/api/v1/bureaus', { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateBureau() {
  const api = useApi();
  const invalidate = useInvalidateOrganization();
  return useMutation({
    mutationFn: async (input: { id: number; version: number; body: BureauPatchIn }): Promise<BureauOut> =>
      dataOf(
        await api.client.PATCH('/api/v1/bureaus/{id}', {
          params: { path: { id: input.id }, header: { 'If-Match': ifMatch(input.version) } },
          body: input.body,
        }),
      ),
    onSuccess: invalidate,
  });
}

export function useCreateSection() {
  const api = useApi();
  const invalidate = useInvalidateOrganization();
  return useMutation({
    mutationFn: async (body: SectionIn): Promise<SectionOut> =>
      dataOf(await api.client.POST('/api/v1/sections', { body })),
    onSuccess: invalidate,
  });
}

export function useRenameSection() {
  const api = useApi();
  const invalidate = useInvalidateOrganization();
  return useMutation({
    mutationFn: async (input: { id: number; version: number; body: SectionRenameIn }): Promise<SectionOut> =>
      dataOf(
        await api.client.POST('/api/v1/sections/{id}/renames', {
          params: { path: { id: input.id }, header: { 'If-Match': ifMatch(input.version) } },
          body: input.body,
        }),
      ),
    onSuccess: invalidate,
  });
}
