// システムの編集: a ledger row's form, saved with If-Match of the version it was loaded at.
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { usePageTitle } from '../../lib/usePageTitle';
import { RecordFormPage, useRecordSave, useValuesOf } from '../../components/form';
import { ifMatch, LEDGER_KEY, ledgerKeys, useDigitalSystem, type DigitalSystemIn, type DigitalSystemOut } from './api';
import { DigitalSystemForm, systemValuesOf } from './DigitalSystemForm';
import './ledger.css';
import { mayEditDigitalSystem } from '../../lib/permissions';

export function DigitalSystemEditPage() {
  const { t } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const system = useDigitalSystem(id);
  const data = system.data;
  const title = data ? t('ledger.editTitleOf', { name: data.name }) : t('ledger.editTitle');
  usePageTitle(title);

  return (
    <RecordFormPage
      title={title}
      back={{ to: Number.isSafeInteger(id) && id > 0 ? `/digital-systems/${id}` : '/digital-systems', label: t('ledger.backToDetail') }}
      className="lg-page"
      denied={data && !mayEditDigitalSystem(data) ? t('ledger.notAllowedToEdit') : undefined}
      loads={[system]}
      loadingLabel={t('ledger.loading')}
      notFound={t('ledger.notFound')}
    >
      {(headingId) => data && <EditForm system={data} headingId={headingId} />}
    </RecordFormPage>
  );
}

function EditForm({ system, headingId }: { system: DigitalSystemOut; headingId: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const initial = useValuesOf(system, systemValuesOf);
  const save = useRecordSave({
    write: async (body: DigitalSystemIn) =>
      dataOf(
        await api.client.PUT('/api/v1/digital-systems/{id}', {
          params: { path: { id: system.id }, header: { 'If-Match': ifMatch(system.version) } },
          body,
        }),
      ),
    listKey: LEDGER_KEY,
    recordKey: ledgerKeys.detail(system.id),
    next: (updated) => ({ to: `/digital-systems/${updated.id}`, flash: t('ledger.saved', { name: updated.name }) }),
    staleSummary: t('ledger.stale'),
  });

  return (
    <DigitalSystemForm
      initial={initial}
      initialSection={{ id: system.section_id, name: system.section_name }}
      labelledBy={headingId}
      submitLabel={t('ledger.save')}
      submittingLabel={t('ledger.saving')}
      {...save}
      cancel={
        <Link to={`/digital-systems/${system.id}`} className="button button--secondary">
          {t('ledger.cancel')}
        </Link>
      }
    />
  );
}
