import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldErrorMessage, isApiProblem } from '../../lib/api';
import { formatDateTime } from '../../lib/dates';
import { usePageTitle } from '../../lib/usePageTitle';
import { LoadProblem } from '../../components/records/LoadProblem';
import {
  EVENT_KINDS,
  useCreateWebhook,
  useDeleteWebhook,
  useDeliveries,
  useRedeliver,
  useRotateSecret,
  useTestWebhook,
  useUpdateWebhook,
  useWebhooks,
  type EventKind,
  type WebhookOut,
  type WebhookSecretOut,
} from './api';
import './webhooks.css';

/** `proposal.assigned` → the i18n key of its label. */
function kindKey(kind: string) {
  return `webhooks.kinds.${kind.replace('.', '_')}` as 'webhooks.kinds.proposal_assigned';
}

/**
 * Webhook 送信先: the internal systems that hear of events, each with its URL, the event kinds it
 * wants and its signing secret (shown once, when made). Admins register and change them, rotate
 * secrets, send test pings and read each one's delivery log, redelivering by hand.
 */
export function WebhooksPage() {
  const { t } = useTranslation();
  usePageTitle(t('webhooks.title'));
  const webhooks = useWebhooks();
  const [announcement, setAnnouncement] = useState('');
  const [secret, setSecret] = useState<WebhookSecretOut | null>(null);
  const [editing, setEditing] = useState<WebhookOut | null>(null);
  const [logOf, setLogOf] = useState<WebhookOut | null>(null);

  const showSecret = (made: WebhookSecretOut, message: string) => {
    setSecret(made);
    setAnnouncement(message);
  };

  return (
    <div className="page webhooks-page">
      <h1 tabIndex={-1}>{t('webhooks.title')}</h1>
      <p className="lead">{t('webhooks.intro')}</p>

      <div role="status" aria-atomic="true" className="alert-region">
        {announcement && <div className="notice notice--info">{announcement}</div>}
      </div>

      {secret && <SecretNotice made={secret} onClose={() => setSecret(null)} />}

      <section aria-labelledby="webhooks-list">
        <h2 id="webhooks-list">{t('webhooks.listHeading')}</h2>
        {webhooks.isPending && <p role="status">{t('webhooks.loading')}</p>}
        {webhooks.isError && <LoadProblem error={webhooks.error} />}
        {webhooks.data && webhooks.data.items.length === 0 && <p>{t('webhooks.none')}</p>}
        {webhooks.data && webhooks.data.items.length > 0 && (
          <table className="table webhooks-table">
            <thead>
              <tr>
                <th scope="col">{t('webhooks.url')}</th>
                <th scope="col">{t('webhooks.kindsHeading')}</th>
                <th scope="col">{t('webhooks.state')}</th>
                <th scope="col">{t('webhooks.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {webhooks.data.items.map((webhook) => (
                <EndpointRow
                  key={webhook.id}
                  webhook={webhook}
                  onEdit={() => setEditing(webhook)}
                  onLog={() => setLogOf(webhook)}
                  onSecret={(made) => showSecret(made, t('webhooks.rotated', { url: webhook.url }))}
                  announce={setAnnouncement}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>

      {logOf && <DeliveryLog webhook={logOf} onClose={() => setLogOf(null)} announce={setAnnouncement} />}

      <div className="card">
        {editing ? (
          <EndpointForm
            key={`edit-${editing.id}-${editing.version}`}
            editing={editing}
            onDone={(message) => {
              setEditing(null);
              setAnnouncement(message);
            }}
            onCancel={() => setEditing(null)}
          />
        ) : (
          <EndpointForm
            key="new"
            editing={null}
            onCreated={(made) => showSecret(made, t('webhooks.created', { url: made.webhook.url }))}
            onDone={setAnnouncement}
          />
        )}
      </div>
    </div>
  );
}

function SecretNotice({ made, onClose }: { made: WebhookSecretOut; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  return (
    <section className="notice notice--warning webhooks-secret" aria-labelledby="webhooks-secret">
      <h2 id="webhooks-secret">{t('webhooks.secretHeading')}</h2>
      <p>{t('webhooks.secretOnce', { url: made.webhook.url })}</p>
      <p>
        <code data-testid="webhook-secret">{made.secret}</code>
      </p>
      {made.webhook.previous_secret_expires_at && (
        <p>{t('webhooks.overlapUntil', { at: formatDateTime(made.webhook.previous_secret_expires_at, i18n.language) })}</p>
      )}
      <button type="button" className="button button--secondary" onClick={onClose}>
        {t('webhooks.secretStored')}
      </button>
    </section>
  );
}

function EndpointRow({
  webhook,
  onEdit,
  onLog,
  onSecret,
  announce,
}: {
  webhook: WebhookOut;
  onEdit: () => void;
  onLog: () => void;
  onSecret: (made: WebhookSecretOut) => void;
  announce: (message: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const rotate = useRotateSecret();
  const test = useTestWebhook();
  const remove = useDeleteWebhook();
  const failed = (error: unknown) =>
    announce(isApiProblem(error) ? error.localizedMessage(t) : t('problem.internal_error'));
  return (
    <tr>
      <td>
        <span className="webhooks-url">{webhook.url}</span>
        {webhook.description && <span className="webhooks-description">{webhook.description}</span>}
      </td>
      <td>{webhook.event_kinds.map((kind) => t(kindKey(kind))).join('、')}</td>
      <td>
        {webhook.enabled ? t('webhooks.enabled') : t('webhooks.disabled')}
        {webhook.disabled_reason && <span className="webhooks-reason">{webhook.disabled_reason}</span>}
        {webhook.failing_since && (
          <span className="webhooks-reason">
            {t('webhooks.failingSince', { at: formatDateTime(webhook.failing_since, i18n.language) })}
          </span>
        )}
      </td>
      <td className="webhooks-actions">
        <button type="button" className="button button--secondary" onClick={onEdit}>
          {t('webhooks.edit')}
        </button>
        <button type="button" className="button button--secondary" onClick={onLog}>
          {t('webhooks.deliveries')}
        </button>
        <button
          type="button"
          className="button button--secondary"
          disabled={!webhook.enabled || test.isPending}
          onClick={() =>
            test.mutate(webhook.id, {
              onSuccess: () => {
                announce(t('webhooks.testQueued', { url: webhook.url }));
                onLog();
              },
              onError: failed,
            })
          }
        >
          {t('webhooks.test')}
        </button>
        <button
          type="button"
          className="button button--secondary"
          disabled={rotate.isPending}
          onClick={() => {
            if (!window.confirm(t('webhooks.rotateConfirm'))) return;
            rotate.mutate(webhook.id, { onSuccess: onSecret, onError: failed });
          }}
        >
          {t('webhooks.rotate')}
        </button>
        <button
          type="button"
          className="button button--danger"
          disabled={remove.isPending}
          onClick={() => {
            if (!window.confirm(t('webhooks.deleteConfirm', { url: webhook.url }))) return;
            remove.mutate(
              { id: webhook.id, version: webhook.version },
              { onSuccess: () => announce(t('webhooks.deleted', { url: webhook.url })), onError: failed },
            );
          }}
        >
          {t('webhooks.delete')}
        </button>
      </td>
    </tr>
  );
}

function EndpointForm({
  editing,
  onCreated,
  onDone,
  onCancel,
}: {
  editing: WebhookOut | null;
  onCreated?: (made: WebhookSecretOut) => void;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const create = useCreateWebhook();
  const update = useUpdateWebhook();
  const [url, setUrl] = useState(editing?.url ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const [kinds, setKinds] = useState<ReadonlySet<EventKind>>(new Set((editing?.event_kinds ?? []) as EventKind[]));
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);
  const [problem, setProblem] = useState<unknown>(null);
  const pending = create.isPending || update.isPending;
  const fieldErrors = isApiProblem(problem) ? problem.fieldErrorsByName() : {};
  const errorOf = (name: string) => {
    const error = fieldErrors[name];
    return error ? fieldErrorMessage(t, error) : null;
  };

  function toggle(kind: EventKind) {
    setKinds((current) => {
      const next = new Set(current);
      if (next.has(kind)) next.delete(kind);
      else next.add(kind);
      return next;
    });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    const body = {
      url: url.trim(),
      description: description.trim() || null,
      event_kinds: EVENT_KINDS.filter((kind) => kinds.has(kind)),
      enabled,
    };
    if (editing) {
      update.mutate(
        { id: editing.id, version: editing.version, body },
        { onSuccess: (saved) => onDone(t('webhooks.saved', { url: saved.url })), onError: setProblem },
      );
    } else {
      create.mutate(body, {
        onSuccess: (made) => {
          setUrl('');
          setDescription('');
          setKinds(new Set());
          onCreated?.(made);
        },
        onError: setProblem,
      });
    }
  }

  const urlError = errorOf('url');
  const kindsError = errorOf('event_kinds');
  const descriptionError = errorOf('description');
  const general = isApiProblem(problem) && problem.fieldErrors.length === 0 ? problem.localizedMessage(t) : null;

  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`}>{editing ? t('webhooks.editHeading', { url: editing.url }) : t('webhooks.newHeading')}</h2>
      {general && (
        <div className="notice notice--error" role="alert">
          {general}
        </div>
      )}
      <div className="form-field">
        <label htmlFor={`${ids}-url`} className="form-field__label">
          {t('webhooks.url')}
        </label>
        <p id={`${ids}-url-hint`} className="form-field__hint">
          {t('webhooks.urlHint')}
        </p>
        {urlError && (
          <p id={`${ids}-url-error`} className="form-field__error">
            {urlError}
          </p>
        )}
        <input
          id={`${ids}-url`}
          type="url"
          className="form-field__input"
          value={url}
          required
          aria-invalid={urlError ? true : undefined}
          aria-describedby={urlError ? `${ids}-url-error ${ids}-url-hint` : `${ids}-url-hint`}
          onChange={(event) => setUrl(event.target.value)}
        />
      </div>
      <div className="form-field">
        <label htmlFor={`${ids}-description`} className="form-field__label">
          {t('webhooks.description')}
        </label>
        {descriptionError && (
          <p id={`${ids}-description-error`} className="form-field__error">
            {descriptionError}
          </p>
        )}
        <input
          id={`${ids}-description`}
          className="form-field__input"
          value={description}
          aria-invalid={descriptionError ? true : undefined}
          aria-describedby={descriptionError ? `${ids}-description-error` : undefined}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      <fieldset className="form-field webhooks-kinds" aria-describedby={kindsError ? `${ids}-kinds-error` : undefined}>
        <legend className="form-field__label">{t('webhooks.kindsHeading')}</legend>
        {kindsError && (
          <p id={`${ids}-kinds-error`} className="form-field__error">
            {kindsError}
          </p>
        )}
        {EVENT_KINDS.map((kind) => (
          <label key={kind} className="webhooks-kind">
            <input type="checkbox" checked={kinds.has(kind)} onChange={() => toggle(kind)} /> {t(kindKey(kind))}{' '}
            <code>{kind}</code>
          </label>
        ))}
      </fieldset>
      <label className="webhooks-kind">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />{' '}
        {t('webhooks.enabledLabel')}
      </label>
      <div className="form-actions">
        <button type="submit" className="button" disabled={pending}>
          {editing ? t('webhooks.save') : t('webhooks.register')}
        </button>
        {onCancel && (
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('webhooks.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

function DeliveryLog({
  webhook,
  onClose,
  announce,
}: {
  webhook: WebhookOut;
  onClose: () => void;
  announce: (message: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const deliveries = useDeliveries(webhook.id);
  const redeliver = useRedeliver();
  return (
    <section className="card webhooks-log" aria-labelledby="webhooks-log">
      <h2 id="webhooks-log">{t('webhooks.logHeading', { url: webhook.url })}</h2>
      <button type="button" className="button button--secondary" onClick={onClose}>
        {t('webhooks.close')}
      </button>
      {deliveries.isPending && <p role="status">{t('webhooks.loading')}</p>}
      {deliveries.isError && <LoadProblem error={deliveries.error} />}
      {deliveries.data && deliveries.data.items.length === 0 && <p>{t('webhooks.noDeliveries')}</p>}
      {deliveries.data && deliveries.data.items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('webhooks.at')}</th>
              <th scope="col">{t('webhooks.kind')}</th>
              <th scope="col">webhook-id</th>
              <th scope="col">{t('webhooks.attempt')}</th>
              <th scope="col">{t('webhooks.status')}</th>
              <th scope="col">{t('webhooks.responseTime')}</th>
              <th scope="col">{t('webhooks.error')}</th>
              <th scope="col">{t('webhooks.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.map((delivery) => (
              <tr key={delivery.id}>
                <td>{formatDateTime(delivery.at, i18n.language)}</td>
                <td>{delivery.event_kind === 'webhook.ping' ? t('webhooks.ping') : t(kindKey(delivery.event_kind))}</td>
                <td>
                  <code>{delivery.message_id}</code>
                </td>
                <td>{delivery.attempt}</td>
                <td>
                  {delivery.status_code ?? t('webhooks.noAnswer')} {delivery.succeeded ? t('webhooks.ok') : t('webhooks.failed')}
                </td>
                <td>{delivery.response_time_ms === null ? '' : t('webhooks.ms', { ms: delivery.response_time_ms })}</td>
                <td>{delivery.error}</td>
                <td>
                  <button
                    type="button"
                    className="button button--secondary"
                    disabled={!webhook.enabled || redeliver.isPending}
                    aria-label={t('webhooks.redeliverOne', { id: delivery.message_id })}
                    onClick={() =>
                      redeliver.mutate(delivery, {
                        onSuccess: () => announce(t('webhooks.redelivered', { id: delivery.message_id })),
                        onError: (error) =>
                          announce(isApiProblem(error) ? error.localizedMessage(t) : t('problem.internal_error')),
                      })
                    }
                  >
                    {t('webhooks.redeliver')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
