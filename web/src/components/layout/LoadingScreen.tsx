import { useTranslation } from 'react-i18next';

export function LoadingScreen() {
  const { t } = useTranslation();
  return (
    <main id="main-content" className="loading-screen">
      <p role="status">{t('app.loading')}</p>
    </main>
  );
}

/** The placeholder of a page inside the shell while its code loads. */
export function LoadingScreenInline() {
  const { t } = useTranslation();
  return (
    <div className="page">
      <p role="status">{t('app.loading')}</p>
    </div>
  );
}
