// Test helper (not a test file itself): the sent-mail routes only.
import { render } from '@testing-library/react';
import { Outlet, RouterProvider, createMemoryRouter } from 'react-router';
import { AppProviders } from '../../test/providers';
import { createApiClient } from '../../lib/api';
import { RequireAuth } from '../../components/layout/RequireAuth';
import { SentMailDetailPage, SentMailListPage } from './SentMailPage';

export function renderSentMail(path: string, fetch: typeof globalThis.fetch) {
  const api = createApiClient({ baseUrl: 'http://localhost', fetch });
  const router = createMemoryRouter(
    [
      {
        path: '/',
        element: (
          <RequireAuth>
            <main>
              <Outlet />
            </main>
          </RequireAuth>
        ),
        children: [
          { path: 'admin/sent-mail', element: <SentMailListPage /> },
          { path: 'admin/sent-mail/:id', element: <SentMailDetailPage /> },
        ],
      },
      { path: '/login', element: <p>login</p> },
    ],
    { initialEntries: [path] },
  );
  const view = render(
    <AppProviders api={api}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { ...view, api, router };
}
