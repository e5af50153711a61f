// Test helper (not a test file itself): the ledger's routes only, so these tests do not depend on
// screens that other features are still building.
import { render } from '@testing-library/react';
import { Outlet, RouterProvider, createMemoryRouter } from 'react-router';
import { AppProviders } from '../../test/providers';
import { createApiClient } from '../../lib/api';
import { RequireAuth } from '../../components/layout/RequireAuth';
import { DigitalSystemDetailPage } from './DigitalSystemDetailPage';
import { DigitalSystemEditPage } from './DigitalSystemEditPage';
import { DigitalSystemListPage } from './DigitalSystemListPage';
import { DigitalSystemNewPage } from './DigitalSystemNewPage';

export function renderLedger(path: string, fetch: typeof globalThis.fetch) {
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
          { path: 'digital-systems', element: <DigitalSystemListPage /> },
          { path: 'digital-systems/new', element: <DigitalSystemNewPage /> },
          { path: 'digital-systems/:id', element: <DigitalSystemDetailPage /> },
          { path: 'digital-systems/:id/edit', element: <DigitalSystemEditPage /> },
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
