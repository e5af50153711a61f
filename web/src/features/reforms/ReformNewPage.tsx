// 自主改革取組の登録: a new reform, started in the bureau the bureau page linked from.
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { RecordFormPage, useRecordSave } from '../../components/form';
import { usePageTitle } from '../../lib/usePageTitle';
import { REFORMS_KEY, useBureauList } from './api';
import { emptyReformValues, ReformForm, reformBodyOf, type ReformValues } from './ReformForm';
import './reforms.css';
import { mayCreateReform } from '../../lib/permissions';

export function ReformNewPage() {
  const { t } = useTranslation();
  const api = useApi();
  const { user } = useAuth();
  const [params] = useSearchParams();
  usePageTitle(t('reforms.newTitle'));
  const bureaus = useBureauList();

  // The bureau page links here with ?bureau_id= so the reform starts in that bureau.
  const prefill = params.get('bureau_id');
  const initial = useMemo(() => {
    const id = prefill && /^\d+$/.test(prefill) ? Number(prefill) : null;
    return emptyReformValues(id);
  }, [prefill]);

  const save = useRecordSave({
    write: async (values: ReformValues) => dataOf(await api.client.POST('/api/v1/reforms', { body: reformBodyOf(values) })),
    listKey: REFORMS_KEY,
    next: (reform) => ({ to: `/reforms/${reform.id}`, flash: t('reforms.created', { title: reform.title }) }),
  });

  return (
    <RecordFormPage
      title={t('reforms.newTitle')}
      back={{ to: '/reforms', label: t('reforms.backToList') }}
      className="rf-page"
      denied={mayCreateReform(user) ? undefined : t('reforms.notAllowedToCreate')}
      lead={t('reforms.newIntro')}
      loads={[bureaus]}
      loadingLabel={t('reforms.loading')}
    >
      {(headingId) => (
        <ReformForm
          bureaus={bureaus.data ?? []}
          initial={initial}
          labelledBy={headingId}
          submitLabel={t('reforms.submit')}
          submittingLabel={t('reforms.submitting')}
          {...save}
          cancel={
            <Link to="/reforms" className="button button--secondary">
              {t('reforms.cancel')}
            </Link>
          }
        />
      )}
    </RecordFormPage>
  );
}
