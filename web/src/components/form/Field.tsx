// One labelled control with its hint and error, the alert above a form, and the focus rules every
// form follows (first control on open, first invalid field after a refusal, back to the opener).
import { useEffect, useRef, type ReactNode, type RefObject } from 'react';
import type { TFunction } from 'i18next';
import type { ApiProblem } from '../../lib/api';
import type { FormFailure } from './problems';

/** After a refused write, moves focus to the first field marked invalid (else leaves it). */
export function useFocusFirstInvalid(formRef: RefObject<HTMLFormElement | null>, trigger: unknown) {
  useEffect(() => {
    if (!trigger) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [formRef, trigger]);
}

/** Puts focus on the first control of a form that has just been revealed. */
export function useFocusOnMount(formRef: RefObject<HTMLFormElement | null>, enabled = true) {
  useEffect(() => {
    if (enabled) formRef.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, [formRef, enabled]);
}

/**
 * For a button that reveals a form: when the form closes (saved or cancelled), focus returns to
 * the button instead of getting lost with the removed form.
 */
export function useFocusOnClose(open: boolean) {
  const ref = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(open);
  useEffect(() => {
    if (wasOpen.current && !open) ref.current?.focus();
    wasOpen.current = open;
  }, [open]);
  return ref;
}

export interface FieldA11y {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
  'aria-required'?: true;
}

/** Label, hint and error message of one control; the control gets the matching ARIA props. */
export function Field({
  id,
  label,
  required,
  requiredText,
  error,
  hint,
  after,
  children,
}: {
  id: string;
  label: string;
  required?: boolean | undefined;
  requiredText?: string | undefined;
  error?: string | undefined;
  hint?: ReactNode;
  /** Shown below the control (e.g. a live preview); referenced by aria-describedby. */
  after?: ReactNode;
  children: (a11y: FieldA11y) => ReactNode;
}) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const afterId = `${id}-after`;
  const describedBy =
    [error ? errorId : null, hint ? hintId : null, after ? afterId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="form-field">
      <label htmlFor={id} className="form-field__label">
        {label}
        {required && requiredText && <span className="pp-required">{requiredText}</span>}
      </label>
      {hint && (
        <p id={hintId} className="form-field__hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="form-field__error">
          {error}
        </p>
      )}
      {children({
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy,
        ...(required ? { 'aria-required': true as const } : {}),
      })}
      {after && <div id={afterId}>{after}</div>}
    </div>
  );
}

/** The alert above a form: the summary, field errors without a field, and the request id of a 5xx. */
export function FormAlert<F extends string>({
  t,
  failure,
  problem,
}: {
  t: TFunction;
  failure: FormFailure<F> | null;
  problem: ApiProblem | null;
}) {
  return (
    <div role="alert" aria-atomic="true" className="alert-region">
      {failure && problem && (
        <div className="notice notice--error">
          <p>{failure.summary}</p>
          {failure.others.map((message) => (
            <p key={message}>{message}</p>
          ))}
          {problem.requestId && problem.status >= 500 && (
            <p className="notice__meta">{t('errors.requestId', { id: problem.requestId })}</p>
          )}
        </div>
      )}
    </div>
  );
}
