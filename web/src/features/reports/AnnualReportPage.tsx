import { useId, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useApi } from '../../lib/api';
import { usePageTitle } from '../../lib/usePageTitle';
import type { ProposalOut, ReformOut } from '../../lib/api';
import { useProjectTeams } from '../../lib/reference';
import { formatDate } from '../../lib/dates';
import { toApiProblem } from '../../components/form';
import { saveBlob } from '../../lib/download';
import { fetchAnnualReportHtml, outcomeLines, useAnnualReport, type ReportBureauOut, type ReportTeamOut } from './api';
import './reports.css';
import { LoadProblem } from '../../components/records/LoadProblem';

/** In-page anchors of the table of contents (plain ids: they end up in the URL's fragment). */
const bureauAnchor = (bureauId: number) => `annual-bureau-${bureauId}`;

type Outcome = { kind: 'status' | 'error'; text: string } | null;

/**
 * プラチナレポート: the year's report laid out like the city's printed booklet — the project
 * teams' proposals with a reported outcome, then every bureau's reforms — with print styles
 * (reports.css) and the server's printable HTML.
 */
export function AnnualReportPage() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [params, setParams] = useSearchParams();
  const teams = useProjectTeams();
  const language = i18n.resolvedLanguage ?? 'ja';

  // The teams come newest first.
  const defaultYear = teams.data?.[0]?.fiscal_year;
  const yearParam = Number(params.get('fiscal_year'));
  const fiscalYear = Number.isSafeInteger(yearParam) && yearParam > 0 ? yearParam : defaultYear;

  const report = useAnnualReport(teams.isSuccess ? fiscalYear : undefined);
  const data = report.data;

  usePageTitle(data ? t('reports.annual.documentTitle', { year: data.fiscal_year_label }) : t('reports.annual.title'));

  const years = useMemo(() => {
    const list = (teams.data ?? []).map((team) => ({ value: team.fiscal_year, label: team.fiscal_year_label }));
    // A year typed into the URL that has no team of its own still shows as chosen.
    if (fiscalYear !== undefined && !list.some((year) => year.value === fiscalYear)) {
      const label = data?.fiscal_year === fiscalYear ? data.fiscal_year_label : String(fiscalYear);
      list.unshift({ value: fiscalYear, label });
    }
    return list;
  }, [teams.data, fiscalYear, data]);

  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);

  function chooseYear(value: string) {
    const next = new URLSearchParams(params);
    next.set('fiscal_year', value);
    setParams(next, { replace: true });
    setOutcome(null);
  }

  /**
   * The server's printable page needs the bearer token, so it is fetched and shown from a blob
   * URL in a new tab; when the browser blocks the tab, the page is saved as a file instead.
   */
  async function openPrintableHtml() {
    if (fiscalYear === undefined || busy) return;
    setBusy(true);
    setOutcome({ kind: 'status', text: t('reports.annual.printHtmlPreparing') });
    try {
      const blob = await fetchAnnualReportHtml(api, fiscalYear);
      const url = URL.createObjectURL(blob);
      const opened = window.open(url, '_blank');
      if (opened) {
        opened.opener = null;
        // The new tab reads the blob while loading; keep it for a while, then let it go.
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        setOutcome({ kind: 'status', text: t('reports.annual.printHtmlOpened') });
      } else {
        URL.revokeObjectURL(url);
        saveBlob(blob, `platina-report-${fiscalYear}.html`);
        setOutcome({ kind: 'status', text: t('reports.annual.printHtmlSaved') });
      }
    } catch (error) {
      setOutcome({ kind: 'error', text: toApiProblem(error).localizedMessage(t) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page ar-page">
      <div className="ar-title">
        <h1 tabIndex={-1}>{t('reports.annual.title')}</h1>
        {data && (
          <p className="ar-subtitle">
            <span className="ar-subtitle__year">{data.fiscal_year_label}</span>
            <span className="ar-subtitle__date">
              {t('reports.annual.generatedOn', { date: formatDate(data.generated_on, language) })}
            </span>
          </p>
        )}
      </div>
      <p className="lead ar-screen-only">{t('reports.annual.intro')}</p>

      {teams.isPending && <p role="status">{t('reports.annual.loading')}</p>}
      {teams.isError && (
        <LoadProblem error={teams.error} />
      )}
      {teams.data && teams.data.length === 0 && (
        <div className="notice notice--info">{t('reports.annual.noTeams')}</div>
      )}

      {years.length > 0 && (
        <div className="ar-controls ar-screen-only" role="group" aria-label={t('reports.annual.controls')}>
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-year`}>
              {t('reports.annual.fiscalYear')}
            </label>
            <select
              id={`${ids}-year`}
              className="form-field__input form-field__input--short"
              value={fiscalYear ?? ''}
              onChange={(e) => chooseYear(e.target.value)}
            >
              {years.map((year) => (
                <option key={year.value} value={year.value}>
                  {year.label}
                </option>
              ))}
            </select>
          </div>
          <div className="ar-actions">
            <button type="button" className="button button--primary" disabled={!data} onClick={() => window.print()}>
              {t('reports.annual.print')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              aria-describedby={`${ids}-html-hint`}
              aria-disabled={busy || fiscalYear === undefined ? true : undefined}
              onClick={() => void openPrintableHtml()}
            >
              {t('reports.annual.printHtml')}
            </button>
            <p id={`${ids}-html-hint`} className="form-field__hint ar-actions__hint">
              {t('reports.annual.printHtmlHint')}
            </p>
          </div>
        </div>
      )}

      <div className="ar-screen-only">
        <div role="status" className="alert-region">
          {outcome?.kind === 'status' && <p className="ar-status">{outcome.text}</p>}
        </div>
        <div role="alert" className="alert-region">
          {outcome?.kind === 'error' && <div className="notice notice--error">{outcome.text}</div>}
        </div>
      </div>

      {report.isError && (
        <LoadProblem error={report.error} />
      )}
      {report.isFetching && (
        <p role="status" className={data ? 'visually-hidden' : undefined}>
          {t('reports.annual.loading')}
        </p>
      )}

      {data && (
        <div className="ar-report" aria-busy={report.isFetching || undefined}>
          {data.teams.map((team) => (
            <TeamSection key={team.team.id} team={team} />
          ))}
          <ReformsSection total={data.reform_total} bureaus={data.bureaus} />
        </div>
      )}
    </div>
  );
}

function TeamSection({ team }: { team: ReportTeamOut }) {
  const { t } = useTranslation();
  const headingId = `annual-team-${team.team.id}`;
  return (
    <section className="ar-section ar-team" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('reports.annual.teamHeading', { label: team.team.fiscal_year_label })}</h2>
      <dl className="ar-facts ar-team__facts">
        <div>
          <dt>{t('reports.annual.teamName')}</dt>
          <dd>{team.team.name}</dd>
        </div>
        <div>
          <dt>{t('reports.annual.headcount')}</dt>
          <dd>{t('reports.annual.headcountValue', { count: team.team.headcount })}</dd>
        </div>
        {team.team.themes.length > 0 && (
          <div>
            <dt>{t('reports.annual.themes')}</dt>
            <dd>{team.team.themes.join(t('reports.annual.themeSeparator'))}</dd>
          </div>
        )}
      </dl>
      <p className="ar-summary">
        {t('reports.annual.proposalSummary', { total: team.proposal_count, reported: team.proposals.length })}
      </p>
      {team.proposals.length === 0 ? (
        <p>{t('reports.annual.noOutcomes')}</p>
      ) : (
        team.proposals.map((proposal) => <ProposalArticle key={proposal.id} proposal={proposal} />)
      )}
    </section>
  );
}

/**
 * 所管課: each assigned section with its bureau, once, in the assignments' order. An office that
 * is its own section (会計室) is named once.
 */
function sectionList(t: TFunction, proposal: ProposalOut): string {
  const names = proposal.assignments.map((a) =>
    a.bureau_name === a.section_name
      ? a.section_name
      : t('reports.annual.sectionName', { bureau: a.bureau_name, section: a.section_name }),
  );
  return [...new Set(names)].join(t('reports.annual.listSeparator'));
}

function ProposalArticle({ proposal }: { proposal: ProposalOut }) {
  const { t } = useTranslation();
  const headingId = `annual-proposal-${proposal.id}`;
  const [lead, ...rest] = outcomeLines(proposal.outcome_text);
  const sections = sectionList(t, proposal);
  const timing = proposal.outcome_period?.original;
  const status = proposal.implementation_status_label;
  return (
    <article className="ar-proposal" aria-labelledby={headingId}>
      <h3 id={headingId} className="ar-proposal__title">
        {proposal.number && (
          <span className="ar-proposal__number">{t('reports.annual.proposalNumber', { number: proposal.number })}</span>
        )}{' '}
        <Link to={`/proposals/${proposal.id}`}>{proposal.title}</Link>
      </h3>
      <dl className="ar-facts">
        <div>
          <dt>{t('reports.annual.theme')}</dt>
          <dd>{proposal.theme}</dd>
        </div>
        <div>
          <dt>{t('reports.annual.sections')}</dt>
          <dd>{sections || t('reports.annual.none')}</dd>
        </div>
        {proposal.pain_point && (
          <div>
            <dt>{t('reports.annual.painPoint')}</dt>
            <dd className="ar-prewrap">{proposal.pain_point}</dd>
          </div>
        )}
        {lead !== undefined && (
          <div>
            <dt>{t('reports.annual.outcome')}</dt>
            <dd className="ar-outcome">
              <p className="ar-outcome__lead">
                <strong>{lead}</strong>
              </p>
              {rest.map((line, index) => (
                <p key={index}>{line}</p>
              ))}
            </dd>
          </div>
        )}
        {(timing || status) && (
          <div>
            <dt>{t('reports.annual.timing')}</dt>
            <dd className="ar-timing">
              {timing && <span>{timing}</span>}
              {status && (
                <span className="ar-badge">
                  <span className="visually-hidden">{t('reports.annual.statusLabel')}: </span>
                  {status}
                </span>
              )}
            </dd>
          </div>
        )}
      </dl>
    </article>
  );
}

function ReformsSection({ total, bureaus }: { total: number; bureaus: ReportBureauOut[] }) {
  const { t } = useTranslation();
  const headingId = 'annual-reforms';
  return (
    <section className="ar-section ar-reforms" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('reports.annual.reformsHeading')}</h2>
      {bureaus.length === 0 ? (
        <p>{t('reports.annual.noReforms')}</p>
      ) : (
        <>
          <p className="ar-summary">{t('reports.annual.reformTotal', { count: total, bureaus: bureaus.length })}</p>
          <nav className="ar-toc" aria-label={t('reports.annual.toc')}>
            <ol className="ar-toc__list">
              {bureaus.map((bureau) => (
                <li key={bureau.bureau_id}>
                  <a href={`#${bureauAnchor(bureau.bureau_id)}`}>
                    {t('reports.annual.bureauHeading', { bureau: bureau.bureau, count: bureau.count })}
                  </a>
                </li>
              ))}
            </ol>
          </nav>
          {bureaus.map((bureau) => (
            <BureauReforms key={bureau.bureau_id} bureau={bureau} />
          ))}
        </>
      )}
    </section>
  );
}

function BureauReforms({ bureau }: { bureau: ReportBureauOut }) {
  const { t } = useTranslation();
  const headingId = bureauAnchor(bureau.bureau_id);
  const featured = bureau.reforms.filter((r) => r.featured);
  const none = t('reports.annual.none');
  return (
    <section className="ar-bureau" aria-labelledby={headingId}>
      <h3 id={headingId} tabIndex={-1}>
        {t('reports.annual.bureauHeading', { bureau: bureau.bureau, count: bureau.count })}
      </h3>
      <div className="ar-table-wrap">
        <table className="ar-table">
          <caption className="visually-hidden">{t('reports.annual.bureauCaption', { bureau: bureau.bureau })}</caption>
          <thead>
            <tr>
              <th scope="col" className="ar-table__number">
                {t('reports.annual.columns.number')}
              </th>
              <th scope="col">{t('reports.annual.columns.sections')}</th>
              <th scope="col">{t('reports.annual.columns.classification')}</th>
              <th scope="col">{t('reports.annual.columns.title')}</th>
              <th scope="col">{t('reports.annual.columns.period')}</th>
            </tr>
          </thead>
          <tbody>
            {bureau.reforms.map((reform) => (
              <tr key={reform.id}>
                <td className="ar-table__number">{reform.report_number ?? none}</td>
                <td>{reform.sections.map((s) => s.name).join(t('reports.annual.listSeparator')) || none}</td>
                <td>{reform.classification_label ?? none}</td>
                <th scope="row">
                  <Link to={`/reforms/${reform.id}`}>{reform.title}</Link>
                  {reform.featured && <span className="ar-featured-tag">{t('reports.annual.featured')}</span>}
                </th>
                <td>{reform.period?.original || none}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {featured.map((reform) => (
        <FeaturedReform key={reform.id} reform={reform} />
      ))}
    </section>
  );
}

/** A reform marked 注目 gets its problem, action and effect written out below the table. */
function FeaturedReform({ reform }: { reform: ReformOut }) {
  const { t } = useTranslation();
  const headingId = `annual-reform-${reform.id}`;
  const rows: [string, string | null | undefined][] = [
    [t('reports.annual.problem'), reform.problem],
    [t('reports.annual.action'), reform.action],
    [t('reports.annual.effect'), reform.effect],
  ];
  const filled = rows.filter((row): row is [string, string] => !!row[1]);
  return (
    <article className="ar-featured" aria-labelledby={headingId}>
      <h4 id={headingId}>
        <span className="ar-featured-tag">{t('reports.annual.featured')}</span> {reform.title}
      </h4>
      {filled.length > 0 && (
        <dl className="ar-facts">
          {filled.map(([label, text]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd className="ar-prewrap">{text}</dd>
            </div>
          ))}
        </dl>
      )}
    </article>
  );
}
