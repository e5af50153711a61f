import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../lib/api';
import { notificationKeys, type PreferencesOut } from '../../lib/notifications';
import { usePageTitle } from '../../lib/usePageTitle';
import { LoadProblem } from '../../components/records/LoadProblem';
import './notifications.css';

const CHANNELS = ['in_app', 'email', 'digest', 'off'] as const;
type ChannelName = (typeof CHANNELS)[number];
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

/** `/notifications/preferences`: a channel per kind of event and the daily digest's hour. */
export function NotificationPreferencesPage() {
  const { t } = useTranslation();
  const api = useApi();
  usePageTitle(t('notifications.preferences.title'));
  const prefs = useQuery({
    queryKey: notificationKeys.preferences,
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/me/notification-preferences', { signal })),
  });

  return (
    <div className="page notifications-page">
      <h1 tabIndex={-1}>{t('notifications.preferences.title')}</h1>
      <p className="lead">{t('notifications.preferences.intro')}</p>
      <p>
        <Link to="/notifications">{t('notifications.preferences.back')}</Link>
      </p>
      {prefs.isError && <LoadProblem error={prefs.error} />}
      {prefs.data && <PreferencesForm initial={prefs.data} />}
    </div>
  );
}

/** The form, started from the preferences as loaded. */
function PreferencesForm({ initial }: { initial: PreferencesOut }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const queryClient = useQueryClient();
  const hourId = useId();
  const [channels, setChannels] = useState<Record<string, string>>(() =>
    Object.fromEntries(initial.kinds.map((k) => [k.kind, k.channel])),
  );
  const [hour, setHour] = useState(initial.digest_hour);
  const [message, setMessage] = useState('');

  const save = useMutation({
    mutationFn: async () =>
      dataOf(await api.client.PUT('/api/v1/me/notification-preferences', { body: { channels, digest_hour: hour } })),
    onSuccess: (data: PreferencesOut) => {
      queryClient.setQueryData(notificationKeys.preferences, data);
      setMessage(t('notifications.preferences.saved'));
    },
  });

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    setMessage('');
    save.mutate();
  }

  const english = i18n.language.startsWith('en');
  return (
    <>
      {save.isError && <LoadProblem error={save.error} />}
      <form className="form card" aria-label={t('notifications.preferences.title')} onSubmit={handleSubmit} noValidate>
        <table className="nt-prefs">
          <thead>
            <tr>
              <th scope="col">{t('notifications.preferences.kind')}</th>
              <th scope="col">{t('notifications.preferences.channel')}</th>
            </tr>
          </thead>
          <tbody>
            {initial.kinds.map((kind) => {
              const label = english ? kind.label_en : kind.label_ja;
              return (
                <tr key={kind.kind}>
                  <th scope="row">{label}</th>
                  <td>
                    <select
                      aria-label={label}
                      value={channels[kind.kind] ?? kind.channel}
                      onChange={(e) => setChannels({ ...channels, [kind.kind]: e.target.value })}
                    >
                      {CHANNELS.map((c: ChannelName) => (
                        <option key={c} value={c}>
                          {t(`notifications.preferences.channels.${c}`)}
                          {c === kind.default_channel ? t('notifications.preferences.defaultMark') : ''}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <div className="form-field">
          <label htmlFor={hourId}>{t('notifications.preferences.digestHour')}</label>
          <select id={hourId} value={hour} onChange={(e) => setHour(Number(e.target.value))}>
            {HOURS.map((h) => (
              <option key={h} value={h}>
                {t('notifications.preferences.hourOption', { hour: h })}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? t('notifications.preferences.saving') : t('notifications.preferences.save')}
        </button>
        <p role="status">{message}</p>
      </form>
    </>
  );
}
