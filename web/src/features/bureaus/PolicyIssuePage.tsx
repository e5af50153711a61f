import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { LinksPanel } from '../../components/links/LinksPanel';
import { fiscalYearLabel } from '../../lib/labels';
import { usePageTitle } from '../../lib/usePageTitle';
import { usePolicyIssue } from './api';
import { AnnounceProvider } from './announce';
import { IssueDetails } from './issues';
import './bureaus.css';
import { mayLinkFrom } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';
import { FollowToggle } from '../../components/records/FollowToggle';

/** One issue of a bureau's X policy with its plan, progress, KPIs and the records linked to it. */
export function PolicyIssuePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const issue = usePolicyIssue(id);
  const data = issue.data;
  usePageTitle(data ? `${data.code} ${data.title}` : t('bureaus.issueTitle'));
  const bureauPath = data ? `/bureaus/${data.bureau_id}?fiscal_year=${data.fiscal_year}` : '';

  return (
    <div className="page pp-page bp-page">
      <AnnounceProvider>
        {data && (
          <p>
            <Link to={bureauPath}>
              {t('bureaus.backToBureau', { name: data.bureau_name, year: fiscalYearLabel(t, data.fiscal_year) })}
            </Link>
          </p>
        )}
        {issue.isPending && (
          <>
            <h1 tabIndex={-1}>{t('bureaus.issueTitle')}</h1>
            <p role="status">{t('bureaus.loading')}</p>
          </>
        )}
        {issue.isError && (
          <>
            <h1 tabIndex={-1}>{t('bureaus.issueTitle')}</h1>
            <LoadProblem error={issue.error} notFound={t('bureaus.issueNotFound')} />
          </>
        )}
        {data && (
          <>
            <h1 tabIndex={-1}>
              <span className="bp-code">{data.code}</span> {data.title}
            </h1>
            <p className="lead">
              {data.bureau_name} ・ {fiscalYearLabel(t, data.fiscal_year)} ・ {t('bureaus.xPolicy')}
            </p>
            <FollowToggle kind="policy_issue" id={data.id} />
            <div className="card">
              <IssueDetails issue={data} sub="h2" onDeleted={() => void navigate(bureauPath)} />
            </div>
            <div className="pp-section">
              <LinksPanel kind="policy_issue" id={data.id} links={data.links ?? []} canEdit={mayLinkFrom(data)} />
            </div>
          </>
        )}
      </AnnounceProvider>
    </div>
  );
}
