import { useId, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, isApiProblem, useApi } from '../../lib/api';
import { usePageTitle } from '../../lib/usePageTitle';
import { savingWith } from '../../components/form';
import { ifMatch, LEDGER_KEY, ledgerKeys, useDigitalSystem, type DigitalSystemIn, type DigitalSystemOut } from './api';
import { DigitalSystemForm, systemValuesOf } from './DigitalSystemForm';
import type { LedgerFlash } from './DigitalSystemNewPage';
import './ledger.css';
import { mayEditDigitalSystem } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

export function DigitalSystemEditPage() {
  const { t } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const system = useDigitalSystem(id);
  const headingId = useId();
  usePageTitle(system.data ? t('ledger.editTitleOf', { name: system.data.name }) : t('ledger.editTitle'));
  const data = system.data;

  return (
    <div className="page pp-page pp-narrow lg-page">
      <p>
        <Link to={Number.isSafeInteger(id) && id > 0 ? `/digital-systems/${id}` : '/digital-systems'}>
          {t('ledger.backToDetail')}
        </Link>
      </p>
      <h1 tabIndex={-1} id={headingId}>
        {data ? t('ledger.editTitleOf', { name: data.name }) : t('ledger.editTitle')}
      </h1>
      {system.isPending && <p role="status">{t('ledger.loading')}</p>}
      {system.isError && (
        <LoadProblem error={system.error} notFound={t('ledger.notFound')} />
      )}
      {data && !mayEditDigitalSystem(data) && <div className="notice notice--info">{t('ledger.notAllowedToEdit')}</div>}
      {data && mayEditDigitalSystem(data) && <EditForm system={data} headingId={headingId} />}
    </div>
  );
}

function EditForm({ system, headingId }: { system: DigitalSystemOut; headingId: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [stale, setStale] = useState(false);
  // Reset the form only when the record itself changed (after a 412 reload), not on every render.
  const version = system.version;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the version on purpose (see above)
  const initial = useMemo(() => systemValuesOf(system), [version]);

  const save = useMutation({
    mutationFn: async (body: DigitalSystemIn) =>
      dataOf(
        await api.client.PUT('/api/v1/digital-systems/{id}', {
          params: { path: { id: system.id }, header: { 'If-Match': ifMatch(system.version) } },
          body,
        }),
      ),
    onMutate: () => setStale(false),
    onSuccess: async (updated) => {
      queryClient.setQueryData(ledgerKeys.detail(updated.id), updated);
      await queryClient.invalidateQueries({ queryKey: LEDGER_KEY });
      const state: LedgerFlash = { flash: t('ledger.saved', { name: updated.name }) };
      void navigate(`/digital-systems/${updated.id}`, { state });
    },
    onError: async (error) => {
      if (isApiProblem(error) && error.status === 412) {
        setStale(true);
        await queryClient.invalidateQueries({ queryKey: ledgerKeys.detail(system.id) });
      }
    },
  });

  return (
    <DigitalSystemForm
      initial={initial}
      initialSection={{ id: system.section_id, name: system.section_name }}
      labelledBy={headingId}
      submitLabel={t('ledger.save')}
      submittingLabel={t('ledger.saving')}
      {...savingWith(save)}
      problemSummary={stale ? t('ledger.stale') : undefined}
      cancel={
        <Link to={`/digital-systems/${system.id}`} className="button button--secondary">
          {t('ledger.cancel')}
        </Link>
      }
    />
  );
}
