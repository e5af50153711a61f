import { lazy, Suspense } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi, type MeOut, type UserOut } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import { hasCityWideScope } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

/** What the page shows: GET /me once loaded, the sign-in answer until then. */
type Profile = Pick<MeOut, 'display_name' | 'role' | 'scopes'> & { email?: string | null | undefined };

// ECharts comes with the dashboard, in its own chunk: the shell and the other screens load without it.
const DashboardView = lazy(() => import('../../features/dashboard/DashboardView').then((m) => ({ default: m.DashboardView })));

function toProfile(user: MeOut | UserOut): Profile {
  return { display_name: user.display_name, role: user.role, scopes: user.scopes, email: user.email };
}

function idList(ids: readonly number[], none: string): string {
  return ids.length ? ids.join(', ') : none;
}

export function HomePage() {
  const { t } = useTranslation();
  const api = useApi();
  const { user: sessionUser } = useAuth();
  usePageTitle(t('home.title'));

  const me = useQuery({
    queryKey: ['me'],
    queryFn: async () => toProfile(dataOf(await api.client.GET('/api/v1/me'))),
    placeholderData: sessionUser ? toProfile(sessionUser) : undefined,
  });
  const user = me.data;

  return (
    <div className="page">
      <h1 tabIndex={-1}>
        {user ? t('home.greeting', { name: user.display_name }) : t('home.title')}
      </h1>
      <p className="lead">{t('home.intro')}</p>

      {me.isError && (
        <LoadProblem error={me.error} />
      )}
      {me.isPlaceholderData && me.isFetching && (
        <p className="visually-hidden" role="status">
          {t('home.refreshing')}
        </p>
      )}

      <Suspense fallback={<p className="muted">{t('dashboardLinks.loading')}</p>}>
        <DashboardView />
      </Suspense>

      {user && (
        <>
          <section className="card" aria-labelledby="account-heading">
            <h2 id="account-heading">{t('home.accountHeading')}</h2>
            <dl className="summary-list">
              <div>
                <dt>{t('home.displayName')}</dt>
                <dd>{user.display_name}</dd>
              </div>
              {user.email && (
                <div>
                  <dt>{t('home.email')}</dt>
                  <dd>{user.email}</dd>
                </div>
              )}
              <div>
                <dt>{t('home.role')}</dt>
                <dd>{t(`roles.${user.role}`)}</dd>
              </div>
            </dl>
          </section>
          <section className="card" aria-labelledby="scope-heading">
            <h2 id="scope-heading">{t('home.scopesHeading')}</h2>
            {hasCityWideScope(user) && <p>{t('home.adminScope')}</p>}
            <dl className="summary-list">
              <div>
                <dt>{t('home.bureaus')}</dt>
                <dd>{idList(user.scopes.bureau_ids, t('home.scopeNone'))}</dd>
              </div>
              <div>
                <dt>{t('home.sections')}</dt>
                <dd>{idList(user.scopes.section_ids, t('home.scopeNone'))}</dd>
              </div>
            </dl>
          </section>
        </>
      )}
    </div>
  );
}
