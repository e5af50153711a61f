import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { formatDate } from '../../lib/dates';
import { formatCount, formatNumber, formatPercent } from '../../lib/format';
import { mayNudgeRounds, mayReadRoundCompliance } from '../../lib/permissions';
import { usePageTitle } from '../../lib/usePageTitle';
import { LoadProblem } from '../../components/records/LoadProblem';
import {
  screenLink,
  useComplianceTrend,
  useNudgeOverdue,
  useNudgeRequest,
  useRoundCompliance,
  type ComplianceFiguresOut,
} from './api';

const FIGURES = ['requested', 'answered', 'returned', 'overdue'] as const;
type Figure = (typeof FIGURES)[number];

/** The four counts of a group, each a link to the requests it counts, then the rate and median. */
function FigureCells({ figures, name }: { figures: ComplianceFiguresOut; name: string }) {
  const { t, i18n } = useTranslation();
  const label = (figure: Figure) => t(`compliance.columns.${figure}`);
  return (
    <>
      {FIGURES.map((figure) => (
        <td key={figure} className="number">
          <Link
            to={screenLink(figures[figure].requests)}
            aria-label={t('compliance.figureLink', { name, figure: label(figure), count: figures[figure].count })}
          >
            {formatCount(figures[figure].count, i18n.language)}
          </Link>
        </td>
      ))}
      <td className="number">
        {figures.answered_rate == null ? t('compliance.noValue') : formatPercent(figures.answered_rate * 100, i18n.language)}
      </td>
      <td className="number">
        {figures.median_business_days_to_answer == null
          ? t('compliance.noValue')
          : t('compliance.days', { days: formatNumber(figures.median_business_days_to_answer, i18n.language) })}
      </td>
    </>
  );
}

function FigureHeaders({ first }: { first: string }) {
  const { t } = useTranslation();
  return (
    <>
      <th scope="col">{first}</th>
      {FIGURES.map((figure) => (
        <th key={figure} scope="col">
          {t(`compliance.columns.${figure}`)}
        </th>
      ))}
      <th scope="col">{t('compliance.columns.rate')}</th>
      <th scope="col">{t('compliance.columns.median')}</th>
    </>
  );
}

/**
 * 回答状況 of one round (/rounds/:id/compliance): totals, then each bureau with its owners, every
 * count a link to the requests it counts; the office can chase (督促) one owner or every overdue
 * owner.
 */
export function RoundCompliancePage() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const roundId = Number(useParams().id);
  const allowed = mayReadRoundCompliance(user);
  const query = useRoundCompliance(roundId, allowed && Number.isInteger(roundId));
  const nudgeOne = useNudgeRequest();
  const nudgeAll = useNudgeOverdue();
  const [announcement, setAnnouncement] = useState('');
  const view = query.data;
  usePageTitle(t('compliance.title', { title: view?.title ?? '' }));
  if (!allowed) return <p role="alert">{t('compliance.notAllowed')}</p>;
  if (query.error) return <LoadProblem error={query.error} />;
  if (!view) return <p role="status">{t('list.loading')}</p>;
  const canNudge = mayNudgeRounds(user) && view.state === 'open';

  const failed = (error: unknown) =>
    setAnnouncement(
      isApiProblem(error) && error.status === 429
        ? t('compliance.tooSoon')
        : t('compliance.nudgeFailed', { detail: isApiProblem(error) ? (error.detail ?? error.title) : String(error) }),
    );

  return (
    <section className="compliance">
      <h1>{t('compliance.title', { title: view.title })}</h1>
      <p>{t('compliance.intro')}</p>
      <p>
        {t('compliance.dueOn', { date: formatDate(view.due_on, i18n.language) })}・
        {t('compliance.countedOn', { date: formatDate(view.today, i18n.language) })}
      </p>
      <div role="status" aria-atomic="true" className="alert-region">
        {announcement}
      </div>
      {canNudge && view.totals.overdue.count > 0 && (
        <button
          type="button"
          disabled={nudgeAll.isPending}
          onClick={() =>
            nudgeAll.mutate(view.round_id, {
              onSuccess: (out) =>
                setAnnouncement(t('compliance.nudgedAll', { count: out.nudged.length, recent: out.recently_nudged.length })),
              onError: failed,
            })
          }
        >
          {t('compliance.nudgeAll')}
        </button>
      )}
      <h2>{t('compliance.totalsHeading')}</h2>
      <table>
        <caption>{t('compliance.tableCaption', { name: t('compliance.totalsHeading') })}</caption>
        <thead>
          <tr>
            <FigureHeaders first={t('compliance.columns.name')} />
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">{t('compliance.totalsHeading')}</th>
            <FigureCells figures={view.totals} name={t('compliance.totalsHeading')} />
          </tr>
        </tbody>
      </table>
      <h2>{t('compliance.bureausHeading')}</h2>
      {view.bureaus.map((bureau) => (
        <table key={bureau.bureau_id}>
          <caption>{t('compliance.tableCaption', { name: bureau.bureau_name })}</caption>
          <thead>
            <tr>
              <FigureHeaders first={t('compliance.columns.name')} />
              <th scope="col">{t('compliance.columns.state')}</th>
              {canNudge && <th scope="col">{t('compliance.columns.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">{bureau.bureau_name}</th>
              <FigureCells figures={bureau.figures} name={bureau.bureau_name} />
              <td />
              {canNudge && <td />}
            </tr>
            {bureau.owners.map((owner) => (
              <tr key={owner.request_id}>
                <th scope="row">{owner.owner_name}</th>
                <FigureCells figures={owner.figures} name={owner.owner_name} />
                <td>{owner.state_label}</td>
                {canNudge && (
                  <td>
                    {['unanswered', 'in_progress', 'returned'].includes(owner.state) && (
                      <button
                        type="button"
                        aria-label={t('compliance.nudgeLabel', { name: owner.owner_name })}
                        disabled={nudgeOne.isPending}
                        onClick={() =>
                          nudgeOne.mutate(owner.request_id, {
                            onSuccess: () => setAnnouncement(t('compliance.nudged', { name: owner.owner_name })),
                            onError: failed,
                          })
                        }
                      >
                        {t('compliance.nudge')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      <h2>{t('compliance.remindersHeading')}</h2>
      {view.reminders.length === 0 ? (
        <p>{t('compliance.noReminders')}</p>
      ) : (
        <ul>
          {view.reminders.map((r) => (
            <li key={r.date}>
              {r.skipped
                ? t('compliance.reminderSkipped', { date: formatDate(r.date, i18n.language) })
                : t('compliance.reminderLine', { date: formatDate(r.date, i18n.language), count: r.reminded })}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The trend across rounds (/rounds/compliance): each round's figures, newest first. */
export function ComplianceTrendPage() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const allowed = mayReadRoundCompliance(user);
  const query = useComplianceTrend(allowed);
  usePageTitle(t('compliance.trendTitle'));
  if (!allowed) return <p role="alert">{t('compliance.notAllowed')}</p>;
  if (query.error) return <LoadProblem error={query.error} />;
  if (!query.data) return <p role="status">{t('list.loading')}</p>;
  return (
    <section className="compliance">
      <h1>{t('compliance.trendTitle')}</h1>
      <p>{t('compliance.trendIntro')}</p>
      {query.data.rounds.length === 0 ? (
        <p>{t('compliance.noRounds')}</p>
      ) : (
        <table>
          <caption>{t('compliance.trendCaption')}</caption>
          <thead>
            <tr>
              <FigureHeaders first={t('compliance.trendColumns.round')} />
              <th scope="col">{t('compliance.trendColumns.asOf')}</th>
            </tr>
          </thead>
          <tbody>
            {query.data.rounds.map((round) => (
              <tr key={round.round_id}>
                <th scope="row">
                  <Link to={`/rounds/${round.round_id}/compliance`} aria-label={t('compliance.openRound', { title: round.title })}>
                    {round.title}
                  </Link>
                </th>
                <FigureCells figures={round.figures} name={round.title} />
                <td>{formatDate(round.as_of, i18n.language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
