import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { LoginPage } from '../features/auth/LoginPage';
import { RequireAuth } from '../components/layout/RequireAuth';
import { AppShell } from './shell/AppShell';
import { HomePage } from './shell/HomePage';
import { NotFoundPage } from './shell/NotFoundPage';
import { ProposalListPage } from '../features/proposals/ProposalListPage';
import { ProposalNewPage } from '../features/proposals/ProposalNewPage';
import { ProposalDetailPage } from '../features/proposals/ProposalDetailPage';
import { ProgressReportPage } from '../features/proposals/ProgressReportPage';
import { AnnualReportPage } from '../features/reports/AnnualReportPage';
import { ProjectTeamsPage } from '../features/proposals/ProjectTeamsPage';
import { OrganizationPage } from '../features/organization/OrganizationPage';
import { ReformListPage } from '../features/reforms/ReformListPage';
import { ReformNewPage } from '../features/reforms/ReformNewPage';
import { ReformDetailPage } from '../features/reforms/ReformDetailPage';
import { ReformEditPage } from '../features/reforms/ReformEditPage';
import { BureauPage } from '../features/bureaus/BureauPage';
import { PolicyIssuePage } from '../features/bureaus/PolicyIssuePage';
import { KpiPage } from '../features/bureaus/KpiPage';
import { DigitalSystemListPage } from '../features/ledger/DigitalSystemListPage';
import { DigitalSystemNewPage } from '../features/ledger/DigitalSystemNewPage';
import { DigitalSystemDetailPage } from '../features/ledger/DigitalSystemDetailPage';
import { DigitalSystemEditPage } from '../features/ledger/DigitalSystemEditPage';
import { ImportPage } from '../features/imports/ImportPage';
import { SearchPage } from '../features/search/SearchPage';
import { LoadingScreenInline } from '../components/layout/LoadingScreen';

// Screens with charts load ECharts in their own chunk, on first visit; the milestone list is rarely used.
const BureauDashboardPage = lazy(() =>
  import('../features/dashboard/BureauDashboardPage').then((m) => ({ default: m.BureauDashboardPage })),
);

const MilestoneListPage = lazy(() =>
  import('../features/dashboard/MilestoneListPage').then((m) => ({ default: m.MilestoneListPage })),
);

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<LoadingScreenInline />}>{children}</Suspense>;
}

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
      { path: 'reports/annual', element: <AnnualReportPage /> },
      { path: 'project-teams', element: <ProjectTeamsPage /> },
      { path: 'reforms', element: <ReformListPage /> },
      { path: 'reforms/new', element: <ReformNewPage /> },
      { path: 'reforms/:id', element: <ReformDetailPage /> },
      { path: 'reforms/:id/edit', element: <ReformEditPage /> },
      { path: 'bureaus/:id', element: <BureauPage /> },
      {
        path: 'bureaus/:id/dashboard',
        element: (
          <Lazy>
            <BureauDashboardPage />
          </Lazy>
        ),
      },
      {
        path: 'milestones',
        element: (
          <Lazy>
            <MilestoneListPage />
          </Lazy>
        ),
      },
      { path: 'policy-issues/:id', element: <PolicyIssuePage /> },
      { path: 'kpis/:id', element: <KpiPage /> },
      { path: 'digital-systems', element: <DigitalSystemListPage /> },
      { path: 'digital-systems/new', element: <DigitalSystemNewPage /> },
      { path: 'digital-systems/:id', element: <DigitalSystemDetailPage /> },
      { path: 'digital-systems/:id/edit', element: <DigitalSystemEditPage /> },
      { path: 'imports', element: <ImportPage /> },
      { path: 'search', element: <SearchPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
