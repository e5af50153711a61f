import { useId, useMemo } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { savingWith } from '../../components/form';
import { usePageTitle } from '../../lib/usePageTitle';
import { REFORMS_KEY, useBureauList } from './api';
import { emptyReformValues, ReformForm, reformBodyOf, type ReformValues } from './ReformForm';
import './reforms.css';
import { mayCreateReform } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

/** What the detail page announces after a redirect from a form. */
export interface ReformFlash {
  flash?: string;
}

export function ReformNewPage() {
  const { t } = useTranslation();
  const api = useApi();
  const { user } = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const headingId = useId();
  usePageTitle(t('reforms.newTitle'));
  const bureaus = useBureauList();
  const mayCreate = mayCreateReform(user);

  // The bureau page links here with ?bureau_id= so the reform starts in that bureau.
  const prefill = params.get('bureau_id');
  const initial = useMemo(() => {
    const id = prefill && /^\d+$/.test(prefill) ? Number(prefill) : null;
    return emptyReformValues(id);
  }, [prefill]);

  const create = useMutation({
    mutationFn: async (values: ReformValues) => dataOf(await api.client.POST('/api/v1/reforms', { body: reformBodyOf(values) })),
    onSuccess: async (reform) => {
      await queryClient.invalidateQueries({ queryKey: REFORMS_KEY });
      const state: ReformFlash = { flash: t('reforms.created', { title: reform.title }) };
      void navigate(`/reforms/${reform.id}`, { state });
    },
  });

  return (
    <div className="page pp-page pp-narrow rf-page">
      <p>
        <Link to="/reforms">{t('reforms.backToList')}</Link>
      </p>
      <h1 tabIndex={-1} id={headingId}>
        {t('reforms.newTitle')}
      </h1>
      {!mayCreate ? (
        <div className="notice notice--info">{t('reforms.notAllowedToCreate')}</div>
      ) : (
        <>
          <p className="lead">{t('reforms.newIntro')}</p>
          {bureaus.isPending && <p role="status">{t('reforms.loading')}</p>}
          {bureaus.isError && (
            <LoadProblem error={bureaus.error} />
          )}
          {bureaus.data && (
            <ReformForm
              bureaus={bureaus.data}
              initial={initial}
              labelledBy={headingId}
              submitLabel={t('reforms.submit')}
              submittingLabel={t('reforms.submitting')}
              {...savingWith(create)}
              cancel={
                <Link to="/reforms" className="button button--secondary">
                  {t('reforms.cancel')}
                </Link>
              }
            />
          )}
        </>
      )}
    </div>
  );
}
