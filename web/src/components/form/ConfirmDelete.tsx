// A delete button that asks once more in place.
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
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
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (wasAsking.current) first.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

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
