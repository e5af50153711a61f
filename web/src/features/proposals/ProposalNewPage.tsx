// 課題提案の登録: a new proposal, filed under the current fiscal year's project team by default.
import { useMemo } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import { PROPOSALS_KEY, useProjectTeams } from './api';
import { fiscalYearOf, todayInTokyo } from '../../lib/dates';
import { RecordFormPage, useRecordSave } from '../../components/form';
import { bodyOf, emptyValues, ProposalForm, type ProposalValues } from './ProposalForm';
import { mayCreateProposal } from '../../lib/permissions';

export function ProposalNewPage() {
  const { t } = useTranslation();
  const api = useApi();
  const { user } = useAuth();
  usePageTitle(t('proposals.newTitle'));
  const teams = useProjectTeams();

  const initial = useMemo(() => {
    const list = teams.data ?? [];
    const current = fiscalYearOf(todayInTokyo());
    const year = list.find((team) => team.fiscal_year === current)?.fiscal_year ?? list[0]?.fiscal_year;
    return emptyValues(year);
  }, [teams.data]);

  const save = useRecordSave({
    write: async (values: ProposalValues) => dataOf(await api.client.POST('/api/v1/proposals', { body: bodyOf(values) })),
    listKey: PROPOSALS_KEY,
    next: (proposal) => ({ to: `/proposals/${proposal.id}`, flash: t('proposals.created', { title: proposal.title }) }),
  });

  return (
    <RecordFormPage
      title={t('proposals.newTitle')}
      back={{ to: '/proposals', label: t('proposals.backToList') }}
      denied={mayCreateProposal(user) ? undefined : t('proposals.notAllowedToCreate')}
      lead={t('proposals.newIntro')}
      loads={[teams]}
      loadingLabel={t('proposals.loading')}
    >
      {(headingId) =>
        teams.data && teams.data.length === 0 ? (
          <div className="notice notice--info">{t('proposals.noTeams')}</div>
        ) : (
          <ProposalForm
            teams={teams.data ?? []}
            initial={initial}
            labelledBy={headingId}
            submitLabel={t('proposals.submit')}
            submittingLabel={t('proposals.submitting')}
            {...save}
            cancel={
              <Link to="/proposals" className="button button--secondary">
                {t('proposals.cancel')}
              </Link>
            }
          />
        )
      }
    </RecordFormPage>
  );
}
