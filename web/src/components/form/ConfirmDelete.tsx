// A delete button that asks once more in place.
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useConfirmFocus } from './useConfirmFocus';
import './form.css';

/**
 * A delete button that asks once more in place (no browser dialog, so keyboard and screen reader
 * users get the same question), with focus on the confirming button and back on cancel.
 */
export function ConfirmDelete({
  label,
  question,
  onConfirm,
  pending,
}: {
  label: string;
  question: string;
  onConfirm: () => void;
  pending: boolean;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const { asking, setAsking, confirmRef: yes, openerRef: first } = useConfirmFocus();

  if (!asking) {
    return (
      <button ref={first} type="button" className="button button--secondary button--small" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm-delete">
      <span id={`${ids}-q`}>{question}</span>
      <button
        ref={yes}
        type="button"
        className="button button--danger button--small"
        aria-describedby={`${ids}-q`}
        disabled={pending}
        onClick={onConfirm}
      >
        {pending ? t('form.deleting') : t('form.deleteYes')}
      </button>
      <button type="button" className="button button--secondary button--small" onClick={() => setAsking(false)}>
        {t('form.cancel')}
      </button>
    </span>
  );
}
