import { Link, useNavigate, useParams } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { isApiProblem, useApi } from '../../lib/api';
import { LinksPanel } from '../../components/links/LinksPanel';
import { usePageTitle } from '../../lib/usePageTitle';
import { useInvalidatePolicies, useKpi, type KpiOut } from './api';
import { AnnounceProvider, useAnnounce } from './announce';
import { formatShortDate } from '../../lib/dates';
import { formatNumber } from './format';
import { ConfirmDelete } from '../../components/form';
import { KpiControls, KpiTable } from './issues';
import { KpiChart } from './KpiChart';
import './bureaus.css';
import { mayEditKpi, mayLinkFrom } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

/** One KPI: baseline, actuals over time (chart and table), target, and the records linked to it. */
export function KpiPage() {
  const { t } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const kpi = useKpi(id);
  const data = kpi.data;
  usePageTitle(data?.name ?? t('bureaus.kpiTitle'));

  return (
    <div className="page pp-page bp-page">
      <AnnounceProvider>
        {data && (
          <p>
            <Link to={`/policy-issues/${data.issue_id}`}>{t('bureaus.backToIssue')}</Link>
          </p>
        )}
        {kpi.isPending && (
          <>
            <h1 tabIndex={-1}>{t('bureaus.kpiTitle')}</h1>
            <p role="status">{t('bureaus.loading')}</p>
          </>
        )}
        {kpi.isError && (
          <>
            <h1 tabIndex={-1}>{t('bureaus.kpiTitle')}</h1>
            <LoadProblem error={kpi.error} notFound={t('bureaus.kpiNotFound')} />
          </>
        )}
        {data && <KpiView kpi={data} />}
      </AnnounceProvider>
    </div>
  );
}

function KpiView({ kpi }: { kpi: KpiOut }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const navigate = useNavigate();
  return (
    <>
      <h1 tabIndex={-1}>{kpi.name}</h1>
      <section className="card pp-section" aria-labelledby="bp-kpi-summary">
        <h2 id="bp-kpi-summary">{t('bureaus.kpiSummaryHeading')}</h2>
        <KpiTable kpis={[kpi]} caption={t('bureaus.kpiSummaryCaption', { name: kpi.name })} linkNames={false} />
        {kpi.target_progress_percent != null && (
          <p>{t('bureaus.targetProgress', { percent: formatNumber(kpi.target_progress_percent, language) })}</p>
        )}
        {kpi.note && <p className="pp-pre">{kpi.note}</p>}
        <KpiChart kpi={kpi} language={language} />
        {mayEditKpi(kpi) && (
          <KpiControls kpi={kpi} sub="h3" onDeleted={() => void navigate(`/policy-issues/${kpi.issue_id}`)} />
        )}
      </section>
      <section className="card pp-section" aria-labelledby="bp-kpi-actuals">
        <h2 id="bp-kpi-actuals">{t('bureaus.actualsHeading')}</h2>
        <ActualsTable kpi={kpi} language={language} />
      </section>
      <div className="pp-section">
        <LinksPanel kind="kpi" id={kpi.id} links={kpi.links ?? []} canEdit={mayLinkFrom(kpi)} />
      </div>
    </>
  );
}

function ActualsTable({ kpi, language }: { kpi: KpiOut; language: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const { announce, alert } = useAnnounce();
  const invalidate = useInvalidatePolicies();
  const remove = useMutation({
    mutationFn: async (id: number) => {
      await api.client.DELETE('/api/v1/kpi-actuals/{id}', { params: { path: { id } } });
    },
    onSuccess: async () => {
      await invalidate();
      announce(t('bureaus.actualDeleted'));
    },
    onError: (error) => alert(isApiProblem(error) ? error.localizedMessage(t) : t('problem.internal_error')),
  });

  if (kpi.actuals.length === 0) return <p>{t('bureaus.noActuals')}</p>;
  return (
    <div className="pp-table-wrap">
      <table className="pp-table">
        <caption className="visually-hidden">{t('bureaus.actualsCaption', { name: kpi.name })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('bureaus.actualFields.measuredOn')}</th>
            <th scope="col">{t('bureaus.actualColumnValue')}</th>
            <th scope="col">{t('bureaus.actualFields.note')}</th>
            {mayEditKpi(kpi) && <th scope="col">{t('bureaus.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {kpi.actuals.map((actual) => {
            const date = formatShortDate(actual.measured_on, language);
            return (
              <tr key={actual.id}>
                <th scope="row">{date}</th>
                <td className="rf-number">
                  {formatNumber(actual.value, language)} {kpi.unit}
                </td>
                <td>{actual.note || t('bureaus.none')}</td>
                {mayEditKpi(kpi) && (
                  <td>
                    <ConfirmDelete
                      label={t('bureaus.deleteActualLabel', { date })}
                      question={t('bureaus.deleteActualQuestion', { date })}
                      pending={remove.isPending}
                      onConfirm={() => remove.mutate(actual.id)}
                    />
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
