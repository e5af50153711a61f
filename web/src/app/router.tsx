import { createBrowserRouter, type RouteObject } from 'react-router';
import { LoginPage } from '../features/auth/LoginPage';
import { RequireAuth } from '../features/auth/RequireAuth';
import { AppShell } from '../features/shell/AppShell';
import { HomePage } from '../features/shell/HomePage';
import { NotFoundPage } from '../features/shell/NotFoundPage';

/**
 * Client routes. The server answers every non-API path with index.html, so deep links work.
 * New screens become children of the shell route (and an entry in features/shell/navigation.ts).
 */
export const routes: RouteObject[] = [
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: (
      <RequireAuth>
        <AppShell />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <HomePage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
