import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { isApiProblem, useApi } from '../../lib/api';
import { usePageTitle } from '../../lib/usePageTitle';
import { formatDate, formatDateTime } from '../../lib/dates';
import { LinksPanel } from '../../components/links/LinksPanel';
import { ifMatch, LEDGER_KEY, ledgerKeys, useDigitalSystem, type DigitalSystemOut } from './api';
import { formatHours, formatYen } from '../../lib/format';
import type { LedgerFlash } from './DigitalSystemNewPage';
import './ledger.css';
import { mayEditDigitalSystem, mayLinkFrom } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

export function DigitalSystemDetailPage() {
  const { t, i18n } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const location = useLocation();
  const system = useDigitalSystem(id);
  const announcement = (location.state as LedgerFlash | null)?.flash ?? '';
  usePageTitle(system.data?.name ?? t('ledger.listTitle'));
  const data = system.data;
  const language = i18n.resolvedLanguage ?? 'ja';

  return (
    <div className="page pp-page lg-page">
      <p>
        <Link to="/digital-systems">{t('ledger.backToList')}</Link>
      </p>
      <div role="status" aria-atomic="true" className="alert-region" data-testid="system-announcement">
        {announcement && <div className="notice notice--info">{announcement}</div>}
      </div>
      {system.isPending && (
        <>
          <h1 tabIndex={-1}>{t('ledger.listTitle')}</h1>
          <p role="status">{t('ledger.loading')}</p>
        </>
      )}
      {system.isError && (
        <>
          <h1 tabIndex={-1}>{t('ledger.listTitle')}</h1>
          <LoadProblem error={system.error} notFound={t('ledger.notFound')} />
        </>
      )}
      {data && (
        <>
          <div className="pp-title-row">
            <h1 tabIndex={-1}>{data.name}</h1>
            {mayEditDigitalSystem(data) && (
              <Link to={`/digital-systems/${data.id}/edit`} className="button button--secondary pp-link-button">
                {t('ledger.edit')}
              </Link>
            )}
          </div>
          <Overview system={data} language={language} />
          <Workflows system={data} />
          <LinksPanel kind="digital_system" id={data.id} links={data.links ?? []} canEdit={mayLinkFrom(data)} />
          {mayEditDigitalSystem(data) && <DeleteSystem system={data} />}
        </>
      )}
    </div>
  );
}

function Overview({ system, language }: { system: DigitalSystemOut; language: string }) {
  const { t } = useTranslation();
  const none = t('ledger.none');
  const date = (value: string | null | undefined) => (value ? formatDate(value, language) : none);
  const rows: [string, string][] = [
    [t('ledger.fields.section'), system.section_name],
    [t('ledger.fields.bureau'), system.bureau_name],
    [t('ledger.fields.platform'), t(`ledger.platforms.${system.platform}`)],
    [t('ledger.columns.inHouse'), system.built_in_house ? t('ledger.inHouseYes') : t('ledger.inHouseNo')],
    [t('ledger.fields.status'), t(`ledger.statuses.${system.status}`)],
    [t('ledger.fields.trialStartedOn'), date(system.trial_started_on)],
    [t('ledger.fields.productionStartedOn'), date(system.production_started_on)],
    [t('ledger.fields.retiredOn'), date(system.retired_on)],
    [
      t('ledger.fields.annualHoursSaved'),
      system.annual_hours_saved == null ? none : formatHours(system.annual_hours_saved, language),
    ],
    [t('ledger.fields.hoursBasis'), system.hours_basis || none],
    [t('ledger.fields.costEffectYen'), system.cost_effect_yen == null ? none : formatYen(system.cost_effect_yen, language)],
    [t('ledger.fields.note'), system.note || none],
  ];
  return (
    <section className="card pp-section" aria-labelledby="lg-overview-heading">
      <h2 id="lg-overview-heading">{t('ledger.overviewHeading')}</h2>
      <dl className="summary-list" data-testid="system-overview">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd className="pp-pre">{value}</dd>
          </div>
        ))}
      </dl>
      <p className="pp-muted-small">
        {t('ledger.updatedAt', { date: formatDateTime(system.updated_at, language) })} ・{' '}
        {t('ledger.version', { version: system.version })}
      </p>
    </section>
  );
}

function Workflows({ system }: { system: DigitalSystemOut }) {
  const { t } = useTranslation();
  return (
    <section className="card pp-section lg-section" aria-labelledby="lg-workflow-heading">
      <h2 id="lg-workflow-heading">{t('ledger.workflowHeading')}</h2>
      <div className="lg-side-by-side">
        <section className="lg-workflow" aria-labelledby="lg-before-heading">
          <h3 id="lg-before-heading">{t('ledger.fields.workflowBefore')}</h3>
          <p className="pp-pre">{system.workflow_before || t('ledger.none')}</p>
        </section>
        <section className="lg-workflow lg-workflow--after" aria-labelledby="lg-after-heading">
          <h3 id="lg-after-heading">{t('ledger.fields.workflowAfter')}</h3>
          <p className="pp-pre">{system.workflow_after || t('ledger.none')}</p>
        </section>
      </div>
    </section>
  );
}

function DeleteSystem({ system }: { system: DigitalSystemOut }) {
  const { t } = useTranslation();
  const api = useApi();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const headingId = useId();
  const [confirming, setConfirming] = useState(false);
  const [stale, setStale] = useState(false);
  const openButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
    else if (wasConfirming.current) openButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const remove = useMutation({
    mutationFn: async () => {
      await api.client.DELETE('/api/v1/digital-systems/{id}', {
        params: { path: { id: system.id }, header: { 'If-Match': ifMatch(system.version) } },
      });
    },
    onMutate: () => setStale(false),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: ledgerKeys.detail(system.id) });
      await queryClient.invalidateQueries({ queryKey: LEDGER_KEY });
      const state: LedgerFlash = { flash: t('ledger.deleted', { name: system.name }) };
      void navigate('/digital-systems', { state });
    },
    onError: async (error) => {
      if (isApiProblem(error) && error.status === 412) {
        // Someone changed it meanwhile: show what they saved before asking again.
        setStale(true);
        setConfirming(false);
        await queryClient.invalidateQueries({ queryKey: ledgerKeys.detail(system.id) });
      }
    },
  });

  const message = remove.isError
    ? stale
      ? t('ledger.staleDelete')
      : isApiProblem(remove.error)
        ? remove.error.localizedMessage(t)
        : t('problem.internal_error')
    : '';

  return (
    <section className="card pp-section lg-danger" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('ledger.deleteHeading')}</h2>
      <div role="alert" aria-atomic="true" className="alert-region">
        {message && <div className="notice notice--error">{message}</div>}
      </div>
      {!confirming ? (
        <button
          ref={openButton}
          type="button"
          className="button button--secondary"
          onClick={() => {
            remove.reset();
            setConfirming(true);
          }}
        >
          {t('ledger.delete')}
        </button>
      ) : (
        <div className="lk-confirm" role="group" aria-label={t('ledger.deleteConfirmLabel')}>
          <p>{t('ledger.deleteConfirm', { name: system.name })}</p>
          <div className="button-row">
            <button
              ref={confirmButton}
              type="button"
              className="button button--primary"
              disabled={remove.isPending}
              onClick={() => remove.mutate()}
            >
              {remove.isPending ? t('ledger.deleting') : t('ledger.deleteYes')}
            </button>
            <button type="button" className="button button--secondary" onClick={() => setConfirming(false)}>
              {t('ledger.cancel')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
