import { useTranslation } from 'react-i18next';
import type { PeriodOut } from '../../lib/api';
import { periodText } from '../../lib/labels';

/** The period as the server read it, with the text as written underneath when they differ. */
export function PeriodCell({ period }: { period: PeriodOut | null | undefined }) {
  const { t } = useTranslation();
  const text = periodText(period);
  if (!text) return <>{t('reforms.none')}</>;
  return (
    <>
      <span className="pp-nowrap">{text.display}</span>
      {text.original && (
        <span className="rf-original">
          {t('reforms.asWritten')}: {text.original}
        </span>
      )}
    </>
  );
}
