// How the server reads a typed Japanese date or period (`R8.3~` → 令和8年3月～): the one parser
// lives on the server, so the forms ask it instead of guessing.
import { useQuery } from '@tanstack/react-query';
import { dataOf, useApi } from './api';

/** The server's reading of `text`; idle for an empty text. */
export function useWarekiPreview(text: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['wareki', text] as const,
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/wareki/parse', { params: { query: { text } }, signal })),
    enabled: text.trim() !== '',
    staleTime: Infinity,
  });
}
