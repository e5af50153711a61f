import { useState, type ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { I18nextProvider } from 'react-i18next';
import { ApiProvider, isApiProblem, type ApiClient } from '../lib/api';
import { i18n } from '../lib/i18n';
import { AuthProvider } from '../lib/auth';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Client errors (4xx) will not change by asking again; server and network errors may.
        retry: (failureCount, error) =>
          failureCount < 2 && !(isApiProblem(error) && error.status >= 400 && error.status < 500),
        staleTime: 30_000,
        refetchOnWindowFocus: false,
      },
    },
  });
}

/** Providers shared by the app and the component tests. */
export function AppProviders({ api, children }: { api: ApiClient; children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <I18nextProvider i18n={i18n}>
      <QueryClientProvider client={queryClient}>
        <ApiProvider api={api}>
          <AuthProvider>{children}</AuthProvider>
        </ApiProvider>
      </QueryClientProvider>
    </I18nextProvider>
  );
}
