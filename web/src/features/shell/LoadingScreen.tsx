import { useTranslation } from 'react-i18next';

export function LoadingScreen() {
  const { t } = useTranslation();
  return (
    <main id="main-content" className="loading-screen">
      <p role="status">{t('app.loading')}</p>
    </main>
  );
}
