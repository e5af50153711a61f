import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** Sets `document.title` to "<page> | <product>" in the current language. */
export function usePageTitle(pageTitle: string): void {
  const { t } = useTranslation();
  const suffix = t('app.titleSuffix');
  useEffect(() => {
    document.title = `${pageTitle} | ${suffix}`;
  }, [pageTitle, suffix]);
}
