import { useId, useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import { PROPOSALS_KEY, useProjectTeams } from './api';
import { fiscalYearOf, todayInTokyo } from '../../lib/dates';
import { savingWith } from '../../components/form';
import { bodyOf, emptyValues, ProposalForm, type ProposalValues } from './ProposalForm';
import { mayCreateProposal } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

/** What the detail page announces after a redirect from this form. */
export interface ProposalFlash {
  flash?: string;
}

export function ProposalNewPage() {
  const { t } = useTranslation();
  const api = useApi();
  const { user } = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const headingId = useId();
  usePageTitle(t('proposals.newTitle'));
  const teams = useProjectTeams();
  const mayCreate = mayCreateProposal(user);

  const initial = useMemo(() => {
    const list = teams.data ?? [];
    const current = fiscalYearOf(todayInTokyo());
    const year = list.find((team) => team.fiscal_year === current)?.fiscal_year ?? list[0]?.fiscal_year;
    return emptyValues(year);
  }, [teams.data]);

  const create = useMutation({
    mutationFn: async (values: ProposalValues) =>
      dataOf(await api.client.POST('/api/v1/proposals', { body: bodyOf(values) })),
    onSuccess: async (proposal) => {
      await queryClient.invalidateQueries({ queryKey: PROPOSALS_KEY });
      const state: ProposalFlash = { flash: t('proposals.created', { title: proposal.title }) };
      void navigate(`/proposals/${proposal.id}`, { state });
    },
  });

  return (
    <div className="page pp-page pp-narrow">
      <p>
        <Link to="/proposals">{t('proposals.backToList')}</Link>
      </p>
      <h1 tabIndex={-1} id={headingId}>
        {t('proposals.newTitle')}
      </h1>
      {!mayCreate ? (
        <div className="notice notice--info">{t('proposals.notAllowedToCreate')}</div>
      ) : (
        <>
          <p className="lead">{t('proposals.newIntro')}</p>
          {teams.isPending && <p role="status">{t('proposals.loading')}</p>}
          {teams.isError && (
            <LoadProblem error={teams.error} />
          )}
          {teams.data && teams.data.length === 0 && (
            <div className="notice notice--info">{t('proposals.noTeams')}</div>
          )}
          {teams.data && teams.data.length > 0 && (
            <ProposalForm
              teams={teams.data}
              initial={initial}
              labelledBy={headingId}
              submitLabel={t('proposals.submit')}
              submittingLabel={t('proposals.submitting')}
              {...savingWith(create)}
              cancel={
                <Link to="/proposals" className="button button--secondary">
                  {t('proposals.cancel')}
                </Link>
              }
            />
          )}
        </>
      )}
    </div>
  );
}
