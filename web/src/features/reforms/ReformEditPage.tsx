import { useId, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, isApiProblem, useApi } from '../../lib/api';
import { savingWith } from '../../components/form';
import { usePageTitle } from '../../lib/usePageTitle';
import { ifMatch, REFORMS_KEY, reformKeys, useBureauList, useReform } from './api';
import { ReformForm, reformBodyOf, reformValuesOf, type ReformValues } from './ReformForm';
import type { ReformFlash } from './ReformNewPage';
import './reforms.css';
import { mayEditReform } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

export function ReformEditPage() {
  const { t } = useTranslation();
  const api = useApi();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const headingId = useId();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const reform = useReform(id);
  const bureaus = useBureauList();
  const [stale, setStale] = useState(false);
  usePageTitle(t('reforms.editTitle'));

  const data = reform.data;
  // The form starts over only when the record itself changed (e.g. reloaded after a 412).
  const version = data?.version;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the version on purpose (see above)
  const initial = useMemo(() => (data ? reformValuesOf(data) : null), [version]);

  const save = useMutation({
    mutationFn: async (values: ReformValues) =>
      dataOf(
        await api.client.PUT('/api/v1/reforms/{id}', {
          params: { path: { id }, header: { 'If-Match': ifMatch(data?.version ?? 0) } },
          body: reformBodyOf(values),
        }),
      ),
    onMutate: () => setStale(false),
    onSuccess: async (updated) => {
      queryClient.setQueryData(reformKeys.detail(updated.id), updated);
      await queryClient.invalidateQueries({ queryKey: REFORMS_KEY });
      const state: ReformFlash = { flash: t('reforms.saved') };
      void navigate(`/reforms/${updated.id}`, { state });
    },
    onError: async (error) => {
      if (isApiProblem(error) && error.status === 412) {
        setStale(true);
        await queryClient.invalidateQueries({ queryKey: reformKeys.detail(id) });
      }
    },
  });

  return (
    <div className="page pp-page pp-narrow rf-page">
      <p>
        <Link to={Number.isSafeInteger(id) && id > 0 ? `/reforms/${id}` : '/reforms'}>
          {data ? t('reforms.backToReform', { title: data.title }) : t('reforms.backToList')}
        </Link>
      </p>
      <h1 tabIndex={-1} id={headingId}>
        {t('reforms.editTitle')}
      </h1>
      {(reform.isPending || bureaus.isPending) && !reform.isError && <p role="status">{t('reforms.loading')}</p>}
      {reform.isError && (
        <LoadProblem error={reform.error} notFound={t('reforms.notFound')} />
      )}
      {data && !mayEditReform(data) && <div className="notice notice--info">{t('reforms.notAllowedToEdit')}</div>}
      {data && mayEditReform(data) && initial && bureaus.data && (
        <>
          <p className="lead">{data.title}</p>
          <ReformForm
            bureaus={bureaus.data}
            initial={initial}
            labelledBy={headingId}
            submitLabel={t('reforms.save')}
            submittingLabel={t('reforms.saving')}
            {...savingWith(save)}
            problemSummary={stale ? t('reforms.stale') : undefined}
            cancel={
              <Link to={`/reforms/${data.id}`} className="button button--secondary">
                {t('reforms.cancel')}
              </Link>
            }
          />
        </>
      )}
    </div>
  );
}
