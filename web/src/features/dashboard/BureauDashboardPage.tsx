import './messages';
import { Link, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useBureau } from '../../lib/reference';
import { usePageTitle } from '../../lib/usePageTitle';
import { DashboardView } from './DashboardView';
import { LoadProblem } from '../../components/records/LoadProblem';

/** /bureaus/:id/dashboard: the dashboard of one bureau (the same panels, the bureau's figures). */
export function BureauDashboardPage() {
  const { t } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const valid = Number.isSafeInteger(id) && id > 0;
  const bureau = useBureau(valid ? id : 0);
  const [params] = useSearchParams();
  const name = bureau.data?.name;
  const title = name ? t('dashboard.bureauTitle', { name }) : t('dashboard.heading');
  usePageTitle(title);
  const year = params.get('fiscal_year');
  const back = `/bureaus/${id}${year ? `?fiscal_year=${encodeURIComponent(year)}` : ''}`;

  return (
    <div className="page pp-page">
      <h1 tabIndex={-1}>{title}</h1>
      {name && (
        <p>
          <Link to={back}>{t('dashboard.backToBureau', { name })}</Link>
        </p>
      )}
      {bureau.isError && (
        <LoadProblem error={bureau.error} notFound={t('bureaus.notFound')} />
      )}
      {valid && !bureau.isError && <DashboardView bureauId={id} />}
    </div>
  );
}
