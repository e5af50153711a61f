import type { TFunction } from 'i18next';
import { useId, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isApiProblem, type BureauOut } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { FormOpener, useFocusOnClose } from '../../components/form';
import { fiscalYearOf, todayInTokyo } from '../../lib/dates';
import { StageBadge } from '../../components/records/StageBadge';
import { PeriodCell } from '../../components/records/PeriodCell';
import { classificationLabel, fiscalYearLabel, reformStatusLabel } from '../../lib/labels';
import { usePageTitle } from '../../lib/usePageTitle';
import { ExportMenu } from '../../components/records/ExportMenu';
import {
  useBureau,
  useBureauProposals,
  useBureauReforms,
  useBureauSections,
  usePolicy,
  usePolicySummaries,
  type PolicyOut,
} from './api';
import { AnnounceProvider, useAnnounce } from './announce';
import { IssueForm } from './forms/IssueForm';
import { POLICY_TEXT_FIELDS, PolicyForm } from './forms/PolicyForm';
import { IssueDetails, IssueMatrix } from './issues';
import './bureaus.css';
import { mayCreateReform, mayEditPolicy, mayWritePolicyOf } from '../../lib/permissions';

/** The year shown lives in the address (`?fiscal_year=2025`), so a view can be linked and reloaded. */
function useFiscalYear(): [number, (year: number) => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get('fiscal_year');
  const year = raw && /^\d{4}$/.test(raw) ? Number(raw) : fiscalYearOf(todayInTokyo());
  const setYear = (next: number) =>
    setParams(
      (current) => {
        const out = new URLSearchParams(current);
        out.set('fiscal_year', String(next));
        return out;
      },
      { replace: true },
    );
  return [year, setYear];
}

function problemText(t: TFunction, error: unknown): string {
  return isApiProblem(error) ? error.localizedMessage(t) : t('problem.internal_error');
}

/**
 * 局・区のページ: for one bureau and fiscal year, its mission and X policy texts, its reforms in
 * the report's order, the proposals its sections hold, and the policy's issues (impact × urgency,
 * quarter plans, progress and KPIs). Editors of the bureau get the forms; viewers only read.
 */
export function BureauPage() {
  const { t } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const bureau = useBureau(id);
  usePageTitle(bureau.data?.name ?? t('bureaus.title'));

  return (
    <div className="page pp-page bp-page">
      <AnnounceProvider>
        {bureau.isPending && (
          <>
            <h1 tabIndex={-1}>{t('bureaus.title')}</h1>
            <p role="status">{t('bureaus.loading')}</p>
          </>
        )}
        {bureau.isError && (
          <>
            <h1 tabIndex={-1}>{t('bureaus.title')}</h1>
            <div className="notice notice--error" role="alert">
              {isApiProblem(bureau.error) && bureau.error.status === 404 ? t('bureaus.notFound') : problemText(t, bureau.error)}
            </div>
          </>
        )}
        {bureau.data && <BureauView bureau={bureau.data} />}
      </AnnounceProvider>
    </div>
  );
}

function BureauView({ bureau }: { bureau: BureauOut }) {
  const { t } = useTranslation();
  const bureauId = bureau.id;
  const name = bureau.name;
  const kindLabel = t(`organization.kinds.${bureau.kind}`, { defaultValue: bureau.kind_label });
  const { user } = useAuth();
  const ids = useId();
  const [year, setYear] = useFiscalYear();
  const summaries = usePolicySummaries(bureauId);
  const sections = useBureauSections(bureauId);
  const summary = summaries.data?.find((s) => s.fiscal_year === year) ?? null;
  const policy = usePolicy(summary?.id ?? null);
  const yearText = fiscalYearLabel(t, year);

  const years = useMemo(() => {
    const current = fiscalYearOf(todayInTokyo());
    const out = new Set([current + 1, current, current - 1, year, ...(summaries.data ?? []).map((s) => s.fiscal_year)]);
    return [...out].sort((a, b) => b - a);
  }, [summaries.data, year]);

  // Only a guess for showing the form; the server decides and answers 403 otherwise.
  const sectionIds = (sections.data ?? []).map((s) => s.id);
  const mayWriteHere = mayWritePolicyOf(user, bureauId, sectionIds);
  const mayAddReform = mayCreateReform(user);

  return (
    <>
      <h1 tabIndex={-1}>{name}</h1>
      <p className="bp-kind">
        <span className="tag">{kindLabel}</span>
      </p>
      <div className="form-field bp-year">
        <label className="form-field__label" htmlFor={`${ids}-year`}>
          {t('bureaus.fiscalYear')}
        </label>
        <select
          id={`${ids}-year`}
          className="form-field__input form-field__select"
          value={year}
          onChange={(e) => setYear(Number(e.target.value))}
        >
          {years.map((y) => (
            <option key={y} value={y}>
              {fiscalYearLabel(t, y)}
              {summaries.data?.some((s) => s.fiscal_year === y) ? t('bureaus.hasPolicy') : ''}
            </option>
          ))}
        </select>
      </div>

      <p className="bp-dashboard-link">
        <Link to={`/bureaus/${bureauId}/dashboard?fiscal_year=${year}`}>{t('dashboardLinks.bureauLink')}</Link>
      </p>

      <PolicySection
        bureauId={bureauId}
        year={year}
        yearText={yearText}
        loading={summaries.isPending || (summary !== null && policy.isPending)}
        error={summaries.error ?? policy.error}
        policy={summary ? (policy.data ?? null) : null}
        mayCreate={mayWriteHere}
      />

      <ReformsSection bureauId={bureauId} year={year} yearText={yearText} mayAdd={mayAddReform} name={name} />
      <ProposalsSection bureauId={bureauId} year={year} yearText={yearText} />
      {summary && policy.data && <IssuesSection policy={policy.data} yearText={yearText} />}
    </>
  );
}

function PolicySection({
  bureauId,
  year,
  yearText,
  loading,
  error,
  policy,
  mayCreate,
}: {
  bureauId: number;
  year: number;
  yearText: string;
  loading: boolean;
  error: unknown;
  policy: PolicyOut | null;
  mayCreate: boolean;
}) {
  const { t } = useTranslation();
  const { announce } = useAnnounce();
  const [editing, setEditing] = useState(false);
  const editButton = useFocusOnClose(editing);

  return (
    <section className="card pp-section" aria-labelledby="bp-policy-heading">
      <h2 id="bp-policy-heading">{t('bureaus.policyHeading', { year: yearText })}</h2>
      {loading && <p role="status">{t('bureaus.loading')}</p>}
      {!loading && !!error && (
        <div className="notice notice--error" role="alert">
          {problemText(t, error)}
        </div>
      )}
      {!loading && !error && !policy && (
        <>
          <p>{t('bureaus.noPolicy', { year: yearText })}</p>
          <FormOpener allowed={mayCreate} label={t('bureaus.createPolicy', { year: yearText })} primary onDone={announce}>
            {({ close, done }) => (
              <PolicyForm bureauId={bureauId} fiscalYear={year} fiscalYearText={yearText} as="h3" onCancel={close} onDone={done} />
            )}
          </FormOpener>
        </>
      )}
      {policy && !editing && (
        <>
          <dl className="summary-list bp-policy-texts">
            {POLICY_TEXT_FIELDS.map((field) => (
              <div key={field}>
                <dt>{t(`bureaus.policyFields.${field}`)}</dt>
                <dd className="pp-pre" data-testid={`policy-${field}`}>
                  {policy[field] || t('bureaus.none')}
                </dd>
              </div>
            ))}
          </dl>
          {mayEditPolicy(policy) && (
            <button ref={editButton} type="button" className="button button--secondary" onClick={() => setEditing(true)}>
              {t('bureaus.editPolicy')}
            </button>
          )}
        </>
      )}
      {policy && editing && (
        <PolicyForm
          key={policy.version}
          policy={policy}
          bureauId={bureauId}
          fiscalYear={year}
          fiscalYearText={yearText}
          as="h3"
          onCancel={() => setEditing(false)}
          onDone={(message) => {
            setEditing(false);
            announce(message);
          }}
        />
      )}
    </section>
  );
}

function ReformsSection({
  bureauId,
  year,
  yearText,
  mayAdd,
  name,
}: {
  bureauId: number;
  year: number;
  yearText: string;
  mayAdd: boolean;
  name: string;
}) {
  const { t } = useTranslation();
  const reforms = useBureauReforms(bureauId, { fiscal_year: year, per_page: 200, sort: 'report_number' });
  const page = reforms.data;
  return (
    <section className="card pp-section" aria-labelledby="bp-reforms-heading">
      <div className="pp-title-row">
        <h2 id="bp-reforms-heading">{t('bureaus.reformsHeading', { year: yearText })}</h2>
        {mayAdd && (
          <Link to={`/reforms/new?bureau_id=${bureauId}`} className="button button--secondary pp-link-button">
            {t('bureaus.addReform')}
          </Link>
        )}
      </div>
      {reforms.isPending && <p role="status">{t('bureaus.loading')}</p>}
      {reforms.isError && (
        <div className="notice notice--error" role="alert">
          {problemText(t, reforms.error)}
        </div>
      )}
      {page && page.items.length === 0 && <p>{t('bureaus.noReforms', { year: yearText })}</p>}
      {page && page.items.length > 0 && (
        <div className="pp-table-wrap">
          <table className="pp-table" data-testid="bureau-reforms">
            <caption className="visually-hidden">{t('bureaus.reformsCaption', { name, year: yearText })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('reforms.columns.number')}</th>
                <th scope="col">{t('reforms.columns.title')}</th>
                <th scope="col">{t('reforms.columns.classification')}</th>
                <th scope="col">{t('reforms.columns.period')}</th>
                <th scope="col">{t('reforms.columns.status')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((reform) => (
                <tr key={reform.id}>
                  <td className="pp-nowrap">{reform.number_in_bureau}</td>
                  <td>
                    <Link to={`/reforms/${reform.id}`}>{reform.title}</Link>
                  </td>
                  <td>{classificationLabel(t, reform.classification)}</td>
                  <td>
                    <PeriodCell period={reform.period} />
                  </td>
                  <td className="pp-nowrap">{reformStatusLabel(t, reform.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && page.total > page.items.length && (
        <p>
          <Link to={`/reforms?bureau_id=${bureauId}&fiscal_year=${year}`}>
            {t('bureaus.allReforms', { total: page.total })}
          </Link>
        </p>
      )}
    </section>
  );
}

function ProposalsSection({ bureauId, year, yearText }: { bureauId: number; year: number; yearText: string }) {
  const { t } = useTranslation();
  const proposals = useBureauProposals(bureauId, year);
  const page = proposals.data;
  return (
    <section className="card pp-section" aria-labelledby="bp-proposals-heading">
      <h2 id="bp-proposals-heading">{t('bureaus.proposalsHeading', { year: yearText })}</h2>
      {proposals.isPending && <p role="status">{t('bureaus.loading')}</p>}
      {proposals.isError && (
        <div className="notice notice--error" role="alert">
          {problemText(t, proposals.error)}
        </div>
      )}
      {page && page.items.length === 0 && <p>{t('bureaus.noProposals')}</p>}
      {page && page.items.length > 0 && (
        <ul className="pp-plain-list bp-proposals" data-testid="bureau-proposals">
          {page.items.map((proposal) => (
            <li key={proposal.id}>
              <Link to={`/proposals/${proposal.id}`}>{proposal.title}</Link> <StageBadge stage={proposal.stage} />
            </li>
          ))}
        </ul>
      )}
      {page && page.total > page.items.length && <p>{t('bureaus.moreProposals', { total: page.total })}</p>}
    </section>
  );
}

function IssuesSection({ policy, yearText }: { policy: PolicyOut; yearText: string }) {
  const { t } = useTranslation();
  const { announce } = useAnnounce();
  const issues = [...policy.issues].sort((a, b) => a.area.localeCompare(b.area) || a.number - b.number);
  const exportFilters = { bureau_id: policy.bureau_id, fiscal_year: policy.fiscal_year };
  const hasKpis = issues.some((issue) => issue.kpis.length > 0);

  return (
    <>
      <section className="card pp-section" aria-labelledby="bp-matrix-heading">
        <h2 id="bp-matrix-heading">{t('bureaus.matrixHeading', { year: yearText })}</h2>
        {issues.length === 0 ? (
          <p>{t('bureaus.noIssues')}</p>
        ) : (
          <IssueMatrix issues={issues} hrefOf={(issue) => `#issue-${issue.id}`} />
        )}
      </section>

      <section className="pp-section bp-issues" aria-labelledby="bp-issues-heading">
        <div className="pp-title-row">
          <h2 id="bp-issues-heading">{t('bureaus.issuesHeading', { year: yearText })}</h2>
          {issues.length > 0 && (
            <div className="xp-actions">
              <ExportMenu path="/api/v1/policy-issues/export" filters={exportFilters} label={t('exportMenu.policyIssues')} />
              {hasKpis && <ExportMenu path="/api/v1/kpis/export" filters={exportFilters} label={t('exportMenu.kpis')} />}
            </div>
          )}
        </div>
        {issues.map((issue) => (
          <article key={issue.id} id={`issue-${issue.id}`} className="card bp-issue" aria-labelledby={`issue-${issue.id}-h`} tabIndex={-1}>
            <h3 id={`issue-${issue.id}-h`}>
              <span className="bp-code">{issue.code}</span> {issue.title}
            </h3>
            <p>
              <Link to={`/policy-issues/${issue.id}`}>{t('bureaus.issueDetailLink', { code: issue.code })}</Link>
            </p>
            <IssueDetails issue={issue} sub="h4" />
          </article>
        ))}
        <FormOpener allowed={mayEditPolicy(policy)} label={t('bureaus.addIssue')} primary onDone={announce}>
          {({ close, done }) => (
            <div className="card">
              <IssueForm policyId={policy.id} as="h3" onCancel={close} onDone={done} />
            </div>
          )}
        </FormOpener>
      </section>
    </>
  );
}
