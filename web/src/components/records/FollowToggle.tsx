import { useTranslation } from 'react-i18next';
import { useFollowing, type FollowableKind } from '../../lib/notifications';

/**
 * Follow or unfollow one record: while following, the person hears of its events in the bell.
 * Hidden until the server has said where the person stands (and for service accounts, which
 * cannot follow anything).
 */
export function FollowToggle({ kind, id }: { kind: FollowableKind; id: number }) {
  const { t } = useTranslation();
  const { status, change } = useFollowing(kind, id);
  if (!status.data) return null;
  const following = status.data.following;
  return (
    <div className="follow-toggle" data-testid="follow-toggle">
      <button
        type="button"
        className="button button--secondary"
        aria-pressed={following}
        disabled={change.isPending}
        onClick={() => change.mutate(!following)}
      >
        {following ? t('notifications.follow.unfollow') : t('notifications.follow.follow')}
      </button>{' '}
      <span className="muted" role="status">
        {following ? t('notifications.follow.following') : t('notifications.follow.notFollowing')}
        {following && status.data.by_default ? ` ${t('notifications.follow.byDefault')}` : ''}
      </span>
    </div>
  );
}
