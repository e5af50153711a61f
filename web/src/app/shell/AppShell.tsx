import { useEffect, useRef, useState } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../lib/auth';
import { SearchBox } from '../../features/search/SearchBox';
import { LanguageSwitch } from '../../components/layout/LanguageSwitch';
import { MAIN_ID, SkipLink } from '../../components/layout/SkipLink';
import { PrimaryNav } from './PrimaryNav';
import { NotificationBell } from '../../features/notifications/NotificationBell';
import { InboxBadge } from '../../features/rounds/InboxBadge';
import { mayAnswerRounds } from '../../lib/permissions';

/** The count of requests waiting beside 照会への回答. */
const INBOX_BADGE = { inbox: <InboxBadge /> };

/** Header, primary navigation and main landmark around every signed-in page. */
export function AppShell() {
  const { t } = useTranslation();
  const { user, signOut } = useAuth();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  const [signingOut, setSigningOut] = useState(false);

  // After a client-side navigation, move focus to the new page's heading so screen readers announce it.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    heading?.focus();
  }, [location.pathname]);

  async function handleSignOut() {
    setSigningOut(true);
    await signOut();
  }

  return (
    <div className="layout">
      <SkipLink />
      <header className="site-header">
        <div className="site-header__inner">
          <Link to="/" className="site-header__brand">
            {t('app.productName')}
          </Link>
          <SearchBox />
          <div className="site-header__tools">
            {user && (
              <p className="user-badge">
                <span className="visually-hidden">{t('shell.signedInAs')}: </span>
                <span className="user-badge__name" data-testid="user-name">
                  {user.display_name}
                </span>
                <span className="user-badge__role" data-testid="user-role">
                  {t(`roles.${user.role}`)}
                </span>
              </p>
            )}
            {user && <NotificationBell />}
            <a className="site-header__tool-link" href="/api/docs">
              {t('shell.apiDocs')}
            </a>
            <LanguageSwitch />
            <button
              type="button"
              className="button button--secondary"
              onClick={() => void handleSignOut()}
              disabled={signingOut}
            >
              {signingOut ? t('shell.signingOut') : t('shell.signOut')}
            </button>
          </div>
        </div>
        <PrimaryNav principal={user} badges={user && mayAnswerRounds(user) ? INBOX_BADGE : undefined} />
      </header>
      <main id={MAIN_ID} ref={mainRef} tabIndex={-1} className="main">
        <Outlet />
      </main>
    </div>
  );
}
