// Test helper (not a test file itself): the import route only, so these tests do not depend on
// the shell and screens that other features are still changing.
import { render } from '@testing-library/react';
import { Outlet, RouterProvider, createMemoryRouter } from 'react-router';
import { AppProviders } from '../../test/providers';
import { createApiClient } from '../../lib/api';
import { RequireAuth } from '../../components/layout/RequireAuth';
import { ImportPage } from './ImportPage';

export function renderImports(fetch: typeof globalThis.fetch) {
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
        children: [{ path: 'imports', element: <ImportPage /> }],
      },
      { path: '/login', element: <p>login</p> },
    ],
    { initialEntries: ['/imports'] },
  );
  const view = render(
    <AppProviders api={api}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { ...view, api, router };
}
