import { useId, useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import { savingWith } from '../../components/form';
import { LEDGER_KEY, type DigitalSystemIn } from './api';
import { DigitalSystemForm, emptySystemValues } from './DigitalSystemForm';
import './ledger.css';
import { mayCreateDigitalSystem } from '../../lib/permissions';

/** What the next page announces after a redirect from a ledger form. */
export interface LedgerFlash {
  flash?: string;
}

export function DigitalSystemNewPage() {
  const { t } = useTranslation();
  const api = useApi();
  const { user } = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const headingId = useId();
  usePageTitle(t('ledger.newTitle'));
  const mayCreate = mayCreateDigitalSystem(user);
  const initial = useMemo(() => emptySystemValues(), []);

  const create = useMutation({
    mutationFn: async (body: DigitalSystemIn) => dataOf(await api.client.POST('/api/v1/digital-systems', { body })),
    onSuccess: async (system) => {
      await queryClient.invalidateQueries({ queryKey: LEDGER_KEY });
      const state: LedgerFlash = { flash: t('ledger.created', { name: system.name }) };
      void navigate(`/digital-systems/${system.id}`, { state });
    },
  });

  return (
    <div className="page pp-page pp-narrow lg-page">
      <p>
        <Link to="/digital-systems">{t('ledger.backToList')}</Link>
      </p>
      <h1 tabIndex={-1} id={headingId}>
        {t('ledger.newTitle')}
      </h1>
      {!mayCreate ? (
        <div className="notice notice--info">{t('ledger.notAllowedToCreate')}</div>
      ) : (
        <>
          <p className="lead">{t('ledger.newIntro')}</p>
          <DigitalSystemForm
            initial={initial}
            labelledBy={headingId}
            submitLabel={t('ledger.submit')}
            submittingLabel={t('ledger.submitting')}
            {...savingWith(create)}
            cancel={
              <Link to="/digital-systems" className="button button--secondary">
                {t('ledger.cancel')}
              </Link>
            }
          />
        </>
      )}
    </div>
  );
}
