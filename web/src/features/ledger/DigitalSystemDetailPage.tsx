import { Link, useParams } from 'react-router';
import { useFlash } from '../../lib/flash';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../lib/api';
import { DeleteRecord } from '../../components/form';
import { usePageTitle } from '../../lib/usePageTitle';
import { formatDate, formatDateTime } from '../../lib/dates';
import { LinksPanel } from '../../components/links/LinksPanel';
import { ifMatch, LEDGER_KEY, ledgerKeys, useDigitalSystem, type DigitalSystemOut } from './api';
import { formatHours, formatYen } from '../../lib/format';
import './ledger.css';
import { mayEditDigitalSystem, mayLinkFrom } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

export function DigitalSystemDetailPage() {
  const { t, i18n } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const system = useDigitalSystem(id);
  const announcement = useFlash();
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
  return (
    <DeleteRecord
      heading={t('ledger.deleteHeading')}
      openLabel={t('ledger.delete')}
      confirmLabel={t('ledger.deleteConfirmLabel')}
      question={t('ledger.deleteConfirm', { name: system.name })}
      staleMessage={t('ledger.staleDelete')}
      remove={() =>
        api.client.DELETE('/api/v1/digital-systems/{id}', {
          params: { path: { id: system.id }, header: { 'If-Match': ifMatch(system.version) } },
        })
      }
      listKey={LEDGER_KEY}
      recordKey={ledgerKeys.detail(system.id)}
      next={{ to: '/digital-systems', flash: t('ledger.deleted', { name: system.name }) }}
    />
  );
}
