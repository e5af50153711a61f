import { useState } from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { formatDateTime } from '../../lib/dates';
import { NOTIFICATIONS_KEY, notificationKeys, type NotificationOut } from '../../lib/notifications';
import { usePageTitle } from '../../lib/usePageTitle';
import { LoadProblem } from '../../components/records/LoadProblem';
import './notifications.css';

const PER_PAGE = 50;

/** `/notifications`: the signed-in person's notifications, newest first, with deep links. */
export function NotificationsPage() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const queryClient = useQueryClient();
  usePageTitle(t('notifications.title'));
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [page, setPage] = useState(1);
  const [message, setMessage] = useState('');

  const list = useQuery({
    queryKey: notificationKeys.list(unreadOnly, page),
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/me/notifications', {
          params: { query: { unread: unreadOnly || undefined, page, per_page: PER_PAGE } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

  const refresh = () => queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
  const markRead = useMutation({
    mutationFn: async (id: number) => {
      await api.client.POST('/api/v1/me/notifications/{id}/read', { params: { path: { id } } });
    },
    onSuccess: refresh,
  });
  const markAll = useMutation({
    mutationFn: async () => dataOf(await api.client.POST('/api/v1/me/notifications/read-all')),
    onSuccess: async (result) => {
      setMessage(t('notifications.markedAll', { count: result.marked }));
      await refresh();
    },
  });

  const items = list.data?.items ?? [];
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / PER_PAGE)) : 1;

  function open(n: NotificationOut) {
    if (!n.read_at) markRead.mutate(n.id);
  }

  return (
    <div className="page notifications-page">
      <h1 tabIndex={-1}>{t('notifications.title')}</h1>
      <p className="lead">{t('notifications.intro')}</p>
      <div className="nt-toolbar">
        <label className="nt-toolbar__filter">
          <input
            type="checkbox"
            checked={unreadOnly}
            onChange={(e) => {
              setUnreadOnly(e.target.checked);
              setPage(1);
            }}
          />{' '}
          {t('notifications.showUnreadOnly')}
        </label>
        <button
          type="button"
          className="button button--secondary"
          onClick={() => markAll.mutate()}
          disabled={markAll.isPending || items.every((n) => n.read_at)}
        >
          {t('notifications.markAllRead')}
        </button>
        <Link to="/notifications/preferences">{t('notifications.preferencesLink')}</Link>
      </div>
      <p role="status" className="nt-status">
        {message}
      </p>
      {list.isError && <LoadProblem error={list.error} />}
      {list.isSuccess && items.length === 0 && (
        <p className="muted">{unreadOnly ? t('notifications.emptyUnread') : t('notifications.empty')}</p>
      )}
      {items.length > 0 && (
        <ul className="nt-list" aria-label={t('notifications.title')}>
          {items.map((n) => (
            <li key={n.id} className={n.read_at ? 'nt-item' : 'nt-item nt-item--unread'} data-testid="notification">
              <div className="nt-item__main">
                {!n.read_at && <span className="nt-item__badge">{t('notifications.unread')}</span>}
                <Link to={n.link} onClick={() => open(n)} className="nt-item__title">
                  {n.title}
                </Link>
                <p className="nt-item__meta muted">
                  <span>{n.kind_label}</span>
                  {' · '}
                  <time dateTime={n.occurred_at}>{formatDateTime(n.occurred_at, i18n.language)}</time>
                  {n.email_mode === 'immediate' && <> · {t('notifications.emailed')}</>}
                  {n.email_mode === 'digest' && <> · {t('notifications.digest')}</>}
                </p>
              </div>
              {!n.read_at && (
                <button
                  type="button"
                  className="button button--tertiary"
                  onClick={() => markRead.mutate(n.id)}
                  disabled={markRead.isPending}
                  aria-label={`${t('notifications.markRead')}: ${n.title}`}
                >
                  {t('notifications.markRead')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="nt-pager" aria-label={t('notifications.pageOf', { page, pages })}>
          <button type="button" className="button button--secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            {t('notifications.previous')}
          </button>
          <span>{t('notifications.pageOf', { page, pages })}</span>
          <button type="button" className="button button--secondary" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            {t('notifications.next')}
          </button>
        </nav>
      )}
    </div>
  );
}
