import { render } from '@testing-library/react';
import { RouterProvider, createMemoryRouter } from 'react-router';
import { AppProviders } from '../app/App';
import { routes } from '../app/router';
import { createApiClient } from '../lib/api';

// The screens load lazily in the app (route-level splitting). Tests load them with the test file
// instead, so the first test of a file does not spend its time budget compiling the screen.
import.meta.glob(['../features/**/*Page.tsx', '!../features/**/*.test.tsx'], { eager: true });

/** Renders the whole app at `path` with the given fetch double standing in for the server. */
export function renderApp(path: string, fetch: typeof globalThis.fetch) {
  const api = createApiClient({ baseUrl: 'http://localhost', fetch });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(
    <AppProviders api={api}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { ...view, api, router };
}
