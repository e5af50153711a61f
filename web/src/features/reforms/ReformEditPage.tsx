// 自主改革取組の編集: the reform's form, saved with If-Match of the version it was loaded at.
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { RecordFormPage, useRecordSave, useValuesOf } from '../../components/form';
import { usePageTitle } from '../../lib/usePageTitle';
import { ifMatch, REFORMS_KEY, reformKeys, useBureauList, useReform, type ReformOut } from './api';
import type { BureauOut } from '../../lib/api';
import { ReformForm, reformBodyOf, reformValuesOf, type ReformValues } from './ReformForm';
import './reforms.css';
import { mayEditReform } from '../../lib/permissions';

export function ReformEditPage() {
  const { t } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const reform = useReform(id);
  const bureaus = useBureauList();
  usePageTitle(t('reforms.editTitle'));
  const data = reform.data;

  return (
    <RecordFormPage
      title={t('reforms.editTitle')}
      back={{
        to: Number.isSafeInteger(id) && id > 0 ? `/reforms/${id}` : '/reforms',
        label: data ? t('reforms.backToReform', { title: data.title }) : t('reforms.backToList'),
      }}
      className="rf-page"
      denied={data && !mayEditReform(data) ? t('reforms.notAllowedToEdit') : undefined}
      lead={data?.title}
      // A failed bureau list is said as well: without it the form cannot offer a bureau.
      loads={[reform, bureaus]}
      loadingLabel={t('reforms.loading')}
      notFound={t('reforms.notFound')}
    >
      {(headingId) => data && bureaus.data && <EditForm reform={data} bureaus={bureaus.data} headingId={headingId} />}
    </RecordFormPage>
  );
}

function EditForm({ reform, bureaus, headingId }: { reform: ReformOut; bureaus: BureauOut[]; headingId: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const initial = useValuesOf(reform, reformValuesOf);
  const save = useRecordSave({
    write: async (values: ReformValues) =>
      dataOf(
        await api.client.PUT('/api/v1/reforms/{id}', {
          params: { path: { id: reform.id }, header: { 'If-Match': ifMatch(reform.version) } },
          body: reformBodyOf(values),
        }),
      ),
    listKey: REFORMS_KEY,
    recordKey: reformKeys.detail(reform.id),
    next: (updated) => ({ to: `/reforms/${updated.id}`, flash: t('reforms.saved') }),
    staleSummary: t('reforms.stale'),
  });

  return (
    <ReformForm
      bureaus={bureaus}
      initial={initial}
      labelledBy={headingId}
      submitLabel={t('reforms.save')}
      submittingLabel={t('reforms.saving')}
      {...save}
      cancel={
        <Link to={`/reforms/${reform.id}`} className="button button--secondary">
          {t('reforms.cancel')}
        </Link>
      }
    />
  );
}
