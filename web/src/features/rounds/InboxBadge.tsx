// The count beside 照会への回答 in the navigation: how many requests wait for the signed-in owner
// (the total of GET /me/round-requests, read once and kept for half a minute).
import { useTranslation } from 'react-i18next';
import { useInbox } from './api';
import './rounds.css';

export function InboxBadge() {
  const { t } = useTranslation();
  const inbox = useInbox();
  const total = inbox.data?.total ?? 0;
  if (total === 0) return null;
  return (
    <span className="nav-count" data-testid="inbox-count">
      <span aria-hidden="true">{total}</span>
      <span className="visually-hidden">{t('inbox.waiting', { count: total })}</span>
    </span>
  );
}
