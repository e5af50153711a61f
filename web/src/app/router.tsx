import { createBrowserRouter, type RouteObject } from 'react-router';
import { LoginPage } from '../features/auth/LoginPage';
import { RequireAuth } from '../features/auth/RequireAuth';
import { AppShell } from '../features/shell/AppShell';
import { HomePage } from '../features/shell/HomePage';
import { NotFoundPage } from '../features/shell/NotFoundPage';
import { ProposalListPage } from '../features/proposals/ProposalListPage';
import { ProposalNewPage } from '../features/proposals/ProposalNewPage';
import { ProposalDetailPage } from '../features/proposals/ProposalDetailPage';
import { ProgressReportPage } from '../features/proposals/ProgressReportPage';
import { OrganizationPage } from '../features/organization/OrganizationPage';

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
      { path: 'organization', element: <OrganizationPage /> },
      { path: 'proposals', element: <ProposalListPage /> },
      { path: 'proposals/new', element: <ProposalNewPage /> },
      { path: 'proposals/:id', element: <ProposalDetailPage /> },
      { path: 'reports/proposal-progress', element: <ProgressReportPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
