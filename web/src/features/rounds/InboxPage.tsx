// 照会への回答: the caller's open requests, with the round, 基準日, 回答期限 (overdue marked) and
// how many of the records are answered; each opens its request page.
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { LoadProblem } from '../../components/records/LoadProblem';
import { shortDate } from '../../lib/dates';
import { usePageTitle } from '../../lib/usePageTitle';
import { useInbox } from './api';
import { requestStateLabel } from './RoundPage';
import './rounds.css';

export function InboxPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('inbox.title'));
  const inbox = useInbox();
  return (
    <div className="page rd-page">
      <h1 tabIndex={-1}>{t('inbox.title')}</h1>
      <p className="lead">{t('inbox.intro')}</p>
      {inbox.isPending && <p role="status">{t('rounds.loading')}</p>}
      {inbox.isError && <LoadProblem error={inbox.error} />}
      {inbox.data && inbox.data.items.length === 0 && <p>{t('inbox.none')}</p>}
      {inbox.data && inbox.data.items.length > 0 && (
        <div className="pp-table-wrap">
          <table className="pp-table rd-table" data-testid="inbox">
            <thead>
              <tr>
                <th scope="col">{t('inbox.round')}</th>
                <th scope="col">{t('inbox.owner')}</th>
                <th scope="col">{t('rounds.columns.asOf')}</th>
                <th scope="col">{t('rounds.columns.dueOn')}</th>
                <th scope="col">{t('rounds.columns.state')}</th>
                <th scope="col">{t('rounds.columns.progress')}</th>
              </tr>
            </thead>
            <tbody>
              {inbox.data.items.map((request) => (
                <tr key={request.id} className={request.overdue ? 'rd-row--overdue' : undefined}>
                  <td>
                    <Link to={`/inbox/requests/${request.id}`}>{request.round.title}</Link>
                  </td>
                  <td>{request.owner_name}</td>
                  <td>{shortDate(request.round.as_of, i18n.language)}</td>
                  <td>
                    {shortDate(request.round.due_on, i18n.language)}
                    {request.overdue && <span className="rd-overdue">{t('rounds.overdueMark')}</span>}
                  </td>
                  <td>{requestStateLabel(t, request.state)}</td>
                  <td className="rd-num">
                    <progress max={request.item_count} value={request.answered_count} aria-hidden="true" />{' '}
                    {t('rounds.progressOf', { answered: request.answered_count, total: request.item_count })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
