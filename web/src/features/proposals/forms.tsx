import { useEffect, type ReactNode, type RefObject } from 'react';
import type { TFunction } from 'i18next';
import { ApiProblem, fieldErrorMessage, isApiProblem } from '../../lib/api';

/** Any failure of a call as an ApiProblem (the client middleware already makes most of them). */
export function toApiProblem(error: unknown): ApiProblem {
  return isApiProblem(error) ? error : new ApiProblem({ status: 0, code: 'network_error', cause: error });
}

/** What a refused write means for a form: messages next to its fields and one summary. */
export interface FormFailure<F extends string> {
  fields: Partial<Record<F, string>>;
  summary: string;
  /** Field errors the form has no field for. */
  others: string[];
}

/**
 * Reads an ApiProblem for a form whose fields are named like the body's members, so
 * `errors[].pointer` `/title` lands next to the `title` field. `summary` replaces the problem's
 * own message (for 403, 409… the screen knows better).
 */
export function describeFailure<F extends string>(
  t: TFunction,
  problem: ApiProblem,
  fields: readonly F[],
  summary?: string,
): FormFailure<F> {
  const out: Partial<Record<F, string>> = {};
  const others: string[] = [];
  for (const fieldError of problem.fieldErrors) {
    const name = fieldError.pointer.split('/')[1] ?? '';
    const field = fields.find((f) => f === name);
    if (field) out[field] ??= fieldErrorMessage(t, fieldError);
    else others.push(fieldErrorMessage(t, fieldError));
  }
  const anyField = Object.keys(out).length > 0;
  return {
    fields: out,
    summary: summary ?? (anyField ? t('proposals.fixErrors') : problem.localizedMessage(t)),
    others,
  };
}

/** After a refused write, moves focus to the first field marked invalid. */
export function useFocusFirstInvalid(formRef: RefObject<HTMLFormElement | null>, trigger: unknown) {
  useEffect(() => {
    if (!trigger) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [formRef, trigger]);
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
  required?: boolean;
  requiredText?: string;
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
