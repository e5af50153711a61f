// システムの登録: a new row of the ledger of in-house systems.
import { useMemo } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import { RecordFormPage, useRecordSave } from '../../components/form';
import { LEDGER_KEY, type DigitalSystemIn } from './api';
import { DigitalSystemForm, emptySystemValues } from './DigitalSystemForm';
import './ledger.css';
import { mayCreateDigitalSystem } from '../../lib/permissions';

export function DigitalSystemNewPage() {
  const { t } = useTranslation();
  const api = useApi();
  const { user } = useAuth();
  usePageTitle(t('ledger.newTitle'));
  const initial = useMemo(() => emptySystemValues(), []);

  const save = useRecordSave({
    write: async (body: DigitalSystemIn) => dataOf(await api.client.POST('/api/v1/digital-systems', { body })),
    listKey: LEDGER_KEY,
    next: (system) => ({ to: `/digital-systems/${system.id}`, flash: t('ledger.created', { name: system.name }) }),
  });

  return (
    <RecordFormPage
      title={t('ledger.newTitle')}
      back={{ to: '/digital-systems', label: t('ledger.backToList') }}
      className="lg-page"
      denied={mayCreateDigitalSystem(user) ? undefined : t('ledger.notAllowedToCreate')}
      lead={t('ledger.newIntro')}
    >
      {(headingId) => (
        <DigitalSystemForm
          initial={initial}
          labelledBy={headingId}
          submitLabel={t('ledger.submit')}
          submittingLabel={t('ledger.submitting')}
          {...save}
          cancel={
            <Link to="/digital-systems" className="button button--secondary">
              {t('ledger.cancel')}
            </Link>
          }
        />
      )}
    </RecordFormPage>
  );
}
