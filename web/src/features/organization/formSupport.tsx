import { useEffect, useRef, type ReactNode, type RefObject } from 'react';
import type { TFunction } from 'i18next';
import { ApiProblem, fieldErrorMessage, isApiProblem } from '../../lib/api';

/** Any failure of a write as an ApiProblem (the client middleware already makes most of them). */
export function toApiProblem(error: unknown): ApiProblem {
  return isApiProblem(error) ? error : new ApiProblem({ status: 0, code: 'network_error', cause: error });
}

/** What a refused write means for a form: messages next to its fields and one summary. */
export interface FormFailure<F extends string> {
  fields: Partial<Record<F, string>>;
  summary: string;
  /** Field errors the form has no field for (e.g. a pointer to the whole body). */
  others: string[];
}

/** A screen-specific reading of a problem (a 409 that belongs to one field, a 412…). */
export type ProblemOverride<F extends string> = (
  problem: ApiProblem,
) => { field: F; message: string } | { summary: string } | undefined;

/**
 * Reads an ApiProblem for a form with the given fields. Translated at render time, so the
 * messages follow a language switch.
 */
export function describeFailure<F extends string>(
  t: TFunction,
  problem: ApiProblem,
  fields: readonly F[],
  override?: ProblemOverride<F>,
): FormFailure<F> {
  const special = override?.(problem);
  if (special && 'summary' in special) return { fields: {}, summary: special.summary, others: [] };
  const out: Partial<Record<F, string>> = {};
  const others: string[] = [];
  if (special) out[special.field] = special.message;
  for (const [name, fieldError] of Object.entries(problem.fieldErrorsByName())) {
    const field = fields.find((f) => f === name);
    if (field) out[field] ??= fieldErrorMessage(t, fieldError);
  }
  for (const fieldError of problem.fieldErrors) {
    const field = fields.find((f) => `/${f}` === fieldError.pointer);
    if (!field) others.push(fieldErrorMessage(t, fieldError));
  }
  const anyField = Object.keys(out).length > 0;
  return {
    fields: out,
    summary: anyField ? t('organization.fixErrors') : problem.localizedMessage(t),
    others,
  };
}

/** After a refused write, moves focus to the first field marked invalid (else leaves it). */
export function useFocusFirstInvalid(formRef: RefObject<HTMLFormElement | null>, problem: ApiProblem | null) {
  useEffect(() => {
    if (!problem) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [formRef, problem]);
}

/** Puts focus on the first control of a form that has just been revealed. */
export function useFocusOnMount(formRef: RefObject<HTMLFormElement | null>, enabled: boolean) {
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
}

/** Label, error message and hint for one control; the control gets the matching ARIA props. */
export function FormField({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: (a11y: FieldA11y) => ReactNode;
}) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="form-field">
      <label htmlFor={id} className="form-field__label">
        {label}
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
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
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
