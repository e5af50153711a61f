// How a refused write reads on a form: which field each error belongs to, the one summary above
// the form, and the checks a form makes before asking the server (reported the way the server's
// 422 is, so both look the same to the person typing).
import type { TFunction } from 'i18next';
import { ApiProblem, fieldErrorMessage, isApiProblem, pointerToField } from '../../lib/api';

/** Any failure of a call as an ApiProblem (the client middleware already makes most of them). */
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
 * Reads an ApiProblem for a form whose fields are named like the body's members, so
 * `errors[].pointer` `/title` (or `/effects/0/value`, for `effects`) lands next to that field.
 * `special` is either a summary that replaces the problem's own message (for 403, 409… the screen
 * knows better) or an override that may put the message on one field. Translated at render time,
 * so the messages follow a language switch.
 */
export function describeFailure<F extends string>(
  t: TFunction,
  problem: ApiProblem,
  fields: readonly F[],
  special?: string | ProblemOverride<F>,
): FormFailure<F> {
  const overridden = typeof special === 'function' ? special(problem) : undefined;
  if (overridden && 'summary' in overridden) return { fields: {}, summary: overridden.summary, others: [] };
  const out: Partial<Record<F, string>> = {};
  const others: string[] = [];
  if (overridden) out[overridden.field] = overridden.message;
  for (const fieldError of problem.fieldErrors) {
    const name = pointerToField(fieldError.pointer) ?? '';
    const field = fields.find((f) => f === name);
    if (field) out[field] ??= fieldErrorMessage(t, fieldError);
    else others.push(fieldErrorMessage(t, fieldError));
  }
  const anyField = Object.keys(out).length > 0;
  const summary = typeof special === 'string' ? special : undefined;
  return {
    fields: out,
    summary: summary ?? (anyField ? t('form.fixErrors') : problem.localizedMessage(t)),
    others,
  };
}

interface FieldErrorInit {
  pointer: string;
  code: string;
  message: string;
}

/** Checks made before asking the server, reported like the server's 422 so both read the same. */
export class Checks {
  readonly errors: FieldErrorInit[] = [];
  required(field: string, value: string) {
    if (value.trim() === '') this.errors.push({ pointer: `/${field}`, code: 'required', message: 'is required' });
    return this;
  }
  number(field: string, value: string) {
    if (value.trim() !== '' && numberOrNull(value) === null) {
      this.errors.push({ pointer: `/${field}`, code: 'invalid_value', message: 'must be a number' });
    }
    return this;
  }
  problem(): ApiProblem | null {
    return this.errors.length === 0 ? null : new ApiProblem({ status: 422, code: 'validation_failed', fieldErrors: this.errors });
  }
}

/** A typed figure (`1,234.5`) as a number; empty or unreadable text as null. */
export function numberOrNull(value: string): number | null {
  const trimmed = value.trim().replace(/,/g, '');
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : null;
}

/** Empty text as null (the API's "not given"). */
export function textOrNull(value: string): string | null {
  return value.trim() === '' ? null : value;
}
