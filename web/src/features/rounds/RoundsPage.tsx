// 照会 (the office): every round with its state and how many of its requests stand in each state,
// and the draft form for a new one. Admins create; everyone else reads.
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { LoadProblem } from '../../components/records/LoadProblem';
import { shortDate } from '../../lib/dates';
import { useAuth } from '../../lib/auth';
import { mayManageRounds } from '../../lib/permissions';
import { usePageTitle } from '../../lib/usePageTitle';
import type { TFunction } from 'i18next';
import { ROUND_STATES, useCreateRound, useRounds, type RoundOut, type RoundState } from './api';
import { RoundForm } from './RoundForm';
import './rounds.css';

export function roundStateLabel(t: TFunction, state: string): string {
  return isRoundState(state) ? t(`rounds.states.${state}`) : state;
}

function isRoundState(value: string): value is RoundState {
  return (ROUND_STATES as readonly string[]).includes(value);
}

export function RoundsPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('rounds.title'));
  const { user } = useAuth();
  const navigate = useNavigate();
  const [state, setState] = useState<RoundState | null>(null);
  const rounds = useRounds(state, 1);
  const create = useCreateRound();
  const [announcement, setAnnouncement] = useState('');

  return (
    <div className="page rd-page">
      <h1 tabIndex={-1}>{t('rounds.title')}</h1>
      <p className="lead">{t('rounds.intro')}</p>
      <div role="status" aria-atomic="true" className="alert-region">
        {announcement && <div className="notice notice--info">{announcement}</div>}
      </div>

      <section aria-labelledby="rd-list">
        <h2 id="rd-list">{t('rounds.listHeading')}</h2>
        <div className="rd-filter" role="group" aria-label={t('rounds.stateFilter')}>
          {[null, ...ROUND_STATES].map((value) => (
            <button
              key={value ?? 'all'}
              type="button"
              className="button button--secondary"
              aria-pressed={state === value}
              onClick={() => setState(value)}
            >
              {value ? roundStateLabel(t, value) : t('rounds.all')}
            </button>
          ))}
        </div>
        {rounds.isPending && <p role="status">{t('rounds.loading')}</p>}
        {rounds.isError && <LoadProblem error={rounds.error} />}
        {rounds.data && rounds.data.items.length === 0 && <p>{t('rounds.none')}</p>}
        {rounds.data && rounds.data.items.length > 0 && (
          <div className="pp-table-wrap">
            <table className="pp-table rd-table">
              <thead>
                <tr>
                  <th scope="col">{t('rounds.columns.title')}</th>
                  <th scope="col">{t('rounds.columns.state')}</th>
                  <th scope="col">{t('rounds.columns.asOf')}</th>
                  <th scope="col">{t('rounds.columns.dueOn')}</th>
                  <th scope="col">{t('rounds.columns.requests')}</th>
                </tr>
              </thead>
              <tbody>
                {rounds.data.items.map((round) => (
                  <RoundRow key={round.id} round={round} language={i18n.language} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {mayManageRounds(user) && (
        <div className="card">
          <RoundForm
            editing={null}
            pending={create.isPending}
            submit={async (body) => {
              const made = await create.mutateAsync(body);
              setAnnouncement(t('rounds.created', { title: made.title }));
              void navigate(`/rounds/${made.id}`);
            }}
          />
        </div>
      )}
    </div>
  );
}

function RoundRow({ round, language }: { round: RoundOut; language: string }) {
  const { t } = useTranslation();
  const counts = round.request_counts;
  return (
    <tr>
      <td>
        <Link to={`/rounds/${round.id}`}>{round.title}</Link>
      </td>
      <td>
        <span className={`rd-state rd-state--${round.state}`}>{roundStateLabel(t, round.state)}</span>
      </td>
      <td>{shortDate(round.as_of, language)}</td>
      <td>{shortDate(round.due_on, language)}</td>
      <td data-testid="round-counts">{t('rounds.countsLine', { ...counts })}</td>
    </tr>
  );
}
