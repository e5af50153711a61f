import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useUnreadCount } from '../../lib/notifications';

/**
 * The bell in the header: a link to the notification list with the unread count, polled every
 * 30 seconds (an unchanged count answers 304). A failed poll leaves the bell without a number.
 */
export function NotificationBell() {
  const { t } = useTranslation();
  const unread = useUnreadCount();
  const count = unread.data ?? 0;
  const label = count > 0 ? t('notifications.bellUnread', { count }) : t('notifications.bell');
  return (
    <Link to="/notifications" className="site-header__tool-link notification-bell" aria-label={label} data-testid="notification-bell">
      <svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
        />
      </svg>
      {count > 0 && (
        <span className="notification-bell__count" data-testid="notification-count" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </Link>
  );
}
