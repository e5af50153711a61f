// 送信済みメール: every e-mail Platina sent over SMTP or, with no SMTP server (and in demo mode),
// only recorded; admins read the list, newest first, and open one to see its text as sent.
import { Link, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Pagination, pageRange } from '../../components/list/Pagination';
import { useAuth } from '../../lib/auth';
import { formatDateTime } from '../../lib/dates';
import { mayReadSentMail } from '../../lib/permissions';
import { usePageTitle } from '../../lib/usePageTitle';
import { PER_PAGE, useSentMail, useSentMailList, type SentMailSummaryOut } from './api';
import './mail.css';

function TransportBadge({ mail }: { mail: Pick<SentMailSummaryOut, 'transport' | 'error'> }) {
  const { t } = useTranslation();
  if (mail.error) return <span className="pp-mail-badge pp-mail-badge--refused">{t('sentMail.refused')}</span>;
  return mail.transport === 'smtp' ? (
    <span className="pp-mail-badge">{t('sentMail.transport.smtp')}</span>
  ) : (
    <span className="pp-mail-badge pp-mail-badge--recorded">{t('sentMail.transport.recorded')}</span>
  );
}

export function SentMailListPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('sentMail.title'));
  const { user } = useAuth();
  const [params] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const allowed = mayReadSentMail(user);
  const list = useSentMailList(page, allowed);
  if (!allowed) {
    return (
      <section aria-labelledby="sent-mail-title">
        <h1 id="sent-mail-title">{t('sentMail.title')}</h1>
        <p role="alert">{t('sentMail.notAllowed')}</p>
      </section>
    );
  }
  const data = list.data;
  const { pages } = pageRange(data?.total ?? 0, page, PER_PAGE);
  return (
    <section aria-labelledby="sent-mail-title" className="pp-sent-mail">
      <h1 id="sent-mail-title">{t('sentMail.title')}</h1>
      <p>{t('sentMail.intro')}</p>
      {list.isError ? <p role="alert">{t('sentMail.loadFailed')}</p> : null}
      {list.isPending ? <p>{t('sentMail.loading')}</p> : null}
      {data && data.items.length === 0 ? <p>{t('sentMail.empty')}</p> : null}
      {data && data.items.length > 0 ? (
        <>
          <p>{t('sentMail.count', { count: data.total })}</p>
          <table className="pp-table">
            <caption className="visually-hidden">{t('sentMail.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('sentMail.sentAt')}</th>
                <th scope="col">{t('sentMail.to')}</th>
                <th scope="col">{t('sentMail.subject')}</th>
                <th scope="col">{t('sentMail.kindLabel')}</th>
                <th scope="col">{t('sentMail.transportLabel')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((mail) => (
                <tr key={mail.id}>
                  <td>{formatDateTime(mail.sent_at, i18n.language)}</td>
                  <td>{mail.to_address}</td>
                  <td>
                    <Link to={`/admin/sent-mail/${mail.id}`}>{mail.subject}</Link>
                  </td>
                  <td>{mail.kind === 'digest' ? t('sentMail.kind.digest') : t('sentMail.kind.immediate')}</td>
                  <td>
                    <TransportBadge mail={mail} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pagination page={page} pages={pages} linkTo={(p) => `/admin/sent-mail?page=${p}`} />
        </>
      ) : null}
    </section>
  );
}

export function SentMailDetailPage() {
  const { t, i18n } = useTranslation();
  const { id } = useParams();
  const mailId = Number(id);
  const { user } = useAuth();
  const allowed = mayReadSentMail(user);
  const mail = useSentMail(mailId, allowed);
  usePageTitle(mail.data?.subject ?? t('sentMail.title'));
  if (!allowed) {
    return (
      <section>
        <h1>{t('sentMail.title')}</h1>
        <p role="alert">{t('sentMail.notAllowed')}</p>
      </section>
    );
  }
  const back = <Link to="/admin/sent-mail">{t('sentMail.back')}</Link>;
  if (mail.isError) {
    return (
      <section>
        <h1>{t('sentMail.title')}</h1>
        <p role="alert">{t('sentMail.notFound')}</p>
        {back}
      </section>
    );
  }
  if (!mail.data) return <p>{t('sentMail.loading')}</p>;
  const m = mail.data;
  return (
    <article aria-labelledby="sent-mail-subject" className="pp-sent-mail">
      {back}
      <h1 id="sent-mail-subject">{m.subject}</h1>
      <dl className="pp-mail-headers" data-testid="sent-mail-headers">
        <dt>{t('sentMail.to')}</dt>
        <dd>{m.to_address}</dd>
        <dt>{t('sentMail.sentAt')}</dt>
        <dd>{formatDateTime(m.sent_at, i18n.language)}</dd>
        <dt>{t('sentMail.kindLabel')}</dt>
        <dd>{m.kind === 'digest' ? t('sentMail.kind.digest') : t('sentMail.kind.immediate')}</dd>
        <dt>{t('sentMail.transportLabel')}</dt>
        <dd>
          <TransportBadge mail={m} />
        </dd>
        <dt>{t('sentMail.messageId')}</dt>
        <dd>
          <code>{m.message_id}</code>
        </dd>
        {m.smtp_reply ? (
          <>
            <dt>{t('sentMail.smtpReply')}</dt>
            <dd>
              <code>{m.smtp_reply}</code>
            </dd>
          </>
        ) : null}
        {m.error ? (
          <>
            <dt>{t('sentMail.error')}</dt>
            <dd>{m.error}</dd>
          </>
        ) : null}
      </dl>
      <h2>{t('sentMail.body')}</h2>
      <pre className="pp-mail-body">{m.body}</pre>
    </article>
  );
}
