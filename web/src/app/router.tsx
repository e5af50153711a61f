import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { LoginPage } from '../features/auth/LoginPage';
import { RequireAuth } from '../components/layout/RequireAuth';
import { LoadingScreenInline } from '../components/layout/LoadingScreen';
import { AppShell } from './shell/AppShell';
import { HomePage } from './shell/HomePage';
import { NotFoundPage } from './shell/NotFoundPage';

/**
 * A screen loaded on its first visit, in its own chunk: the first screen does not download every
 * feature. `pick` names the export, since the features export named components.
 */
function screen<M>(load: () => Promise<M>, pick: (module: M) => ComponentType): ReactNode {
  const Screen = lazy(() => load().then((module) => ({ default: pick(module) })));
  return (
    <Suspense fallback={<LoadingScreenInline />}>
      <Screen />
    </Suspense>
  );
}

/**
 * Client routes. The server answers every non-API path with index.html, so deep links work.
 * New screens become children of the shell route (and an entry in app/shell/navigation.ts).
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
      { path: 'organization', element: screen(() => import('../features/organization/OrganizationPage'), (m) => m.OrganizationPage) },
      { path: 'proposals', element: screen(() => import('../features/proposals/ProposalListPage'), (m) => m.ProposalListPage) },
      { path: 'proposals/new', element: screen(() => import('../features/proposals/ProposalNewPage'), (m) => m.ProposalNewPage) },
      { path: 'proposals/:id', element: screen(() => import('../features/proposals/ProposalDetailPage'), (m) => m.ProposalDetailPage) },
      {
        path: 'reports/proposal-progress',
        element: screen(() => import('../features/proposals/ProgressReportPage'), (m) => m.ProgressReportPage),
      },
      { path: 'reports/annual', element: screen(() => import('../features/reports/AnnualReportPage'), (m) => m.AnnualReportPage) },
      { path: 'project-teams', element: screen(() => import('../features/proposals/ProjectTeamsPage'), (m) => m.ProjectTeamsPage) },
      { path: 'reforms', element: screen(() => import('../features/reforms/ReformListPage'), (m) => m.ReformListPage) },
      { path: 'reforms/new', element: screen(() => import('../features/reforms/ReformNewPage'), (m) => m.ReformNewPage) },
      { path: 'reforms/:id', element: screen(() => import('../features/reforms/ReformDetailPage'), (m) => m.ReformDetailPage) },
      { path: 'reforms/:id/edit', element: screen(() => import('../features/reforms/ReformEditPage'), (m) => m.ReformEditPage) },
      { path: 'bureaus/:id', element: screen(() => import('../features/bureaus/BureauPage'), (m) => m.BureauPage) },
      {
        path: 'bureaus/:id/dashboard',
        element: screen(() => import('../features/dashboard/BureauDashboardPage'), (m) => m.BureauDashboardPage),
      },
      { path: 'milestones', element: screen(() => import('../features/dashboard/MilestoneListPage'), (m) => m.MilestoneListPage) },
      { path: 'policy-issues/:id', element: screen(() => import('../features/bureaus/PolicyIssuePage'), (m) => m.PolicyIssuePage) },
      { path: 'kpis/:id', element: screen(() => import('../features/bureaus/KpiPage'), (m) => m.KpiPage) },
      {
        path: 'digital-systems',
        element: screen(() => import('../features/ledger/DigitalSystemListPage'), (m) => m.DigitalSystemListPage),
      },
      {
        path: 'digital-systems/new',
        element: screen(() => import('../features/ledger/DigitalSystemNewPage'), (m) => m.DigitalSystemNewPage),
      },
      {
        path: 'digital-systems/:id',
        element: screen(() => import('../features/ledger/DigitalSystemDetailPage'), (m) => m.DigitalSystemDetailPage),
      },
      {
        path: 'digital-systems/:id/edit',
        element: screen(() => import('../features/ledger/DigitalSystemEditPage'), (m) => m.DigitalSystemEditPage),
      },
      { path: 'imports', element: screen(() => import('../features/imports/ImportPage'), (m) => m.ImportPage) },
      { path: 'notifications', element: screen(() => import('../features/notifications/NotificationsPage'), (m) => m.NotificationsPage) },
      {
        path: 'notifications/preferences',
        element: screen(() => import('../features/notifications/NotificationPreferencesPage'), (m) => m.NotificationPreferencesPage),
      },
      { path: 'admin/jobs', element: screen(() => import('../features/jobs/JobsPage'), (m) => m.JobsPage) },
      { path: 'admin/sent-mail', element: screen(() => import('../features/mail/SentMailPage'), (m) => m.SentMailListPage) },
      { path: 'admin/sent-mail/:id', element: screen(() => import('../features/mail/SentMailPage'), (m) => m.SentMailDetailPage) },
      { path: 'admin/webhooks', element: screen(() => import('../features/webhooks/WebhooksPage'), (m) => m.WebhooksPage) },
      {
        path: 'rounds/compliance',
        element: screen(() => import('../features/compliance/CompliancePage'), (m) => m.ComplianceTrendPage),
      },
      {
        path: 'rounds/:id/compliance',
        element: screen(() => import('../features/compliance/CompliancePage'), (m) => m.RoundCompliancePage),
      },
      { path: 'rounds', element: screen(() => import('../features/rounds/RoundsPage'), (m) => m.RoundsPage) },
      { path: 'rounds/:id', element: screen(() => import('../features/rounds/RoundPage'), (m) => m.RoundPage) },
      { path: 'rounds/:id/report', element: screen(() => import('../features/rounds/RoundReportPage'), (m) => m.RoundReportPage) },
      { path: 'inbox', element: screen(() => import('../features/rounds/InboxPage'), (m) => m.InboxPage) },
      { path: 'inbox/requests/:id', element: screen(() => import('../features/rounds/RequestPage'), (m) => m.RequestPage) },
      { path: 'search', element: screen(() => import('../features/search/SearchPage'), (m) => m.SearchPage) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
