// The frame of a small form (heading, error summary, focus, submit and cancel) and its two
// everyday controls. The policy, KPI and target forms are built from these.
import { useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiProblem } from '../../lib/api';
import { Field, FormAlert, useFocusFirstInvalid, useFocusOnMount } from './Field';
import { describeFailure } from './problems';
import './form.css';

export type HeadingTag = 'h2' | 'h3' | 'h4' | 'h5';

/** The next heading level down, for a form inside a section. */
export function deeper(tag: HeadingTag): HeadingTag {
  return tag === 'h2' ? 'h3' : tag === 'h3' ? 'h4' : 'h5';
}

/**
 * The frame every small form shares: heading, error summary, focus on the first control when it
 * opens and on the first invalid field after a refusal, submit and cancel. `check` runs before
 * `submit` and reports like the server; `staleSummary` replaces the message of a 412.
 */
export function FormShell<F extends string>({
  heading,
  as: Heading,
  fields,
  problem,
  staleSummary,
  check,
  submit,
  pending,
  submitLabel,
  submittingLabel,
  onCancel,
  children,
}: {
  heading: string;
  as: HeadingTag;
  fields: readonly F[];
  problem: ApiProblem | null;
  staleSummary?: string;
  check: () => ApiProblem | null;
  submit: () => void;
  pending: boolean;
  submitLabel: string;
  submittingLabel: string;
  onCancel?: (() => void) | undefined;
  children: (error: (field: F) => string | undefined, id: (field: F) => string) => ReactNode;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const formRef = useRef<HTMLFormElement>(null);
  // A local refusal holds until the server answers again: it is kept with the answer it followed.
  const [local, setLocal] = useState<{ problem: ApiProblem | null; after: ApiProblem | null }>({
    problem: null,
    after: null,
  });
  const localProblem = local.after === problem ? local.problem : null;
  const shown = localProblem ?? problem;
  const failure = useMemo(
    () =>
      shown
        ? describeFailure(t, shown, fields, !localProblem && shown.status === 412 ? staleSummary : undefined)
        : null,
    [t, shown, fields, localProblem, staleSummary],
  );
  useFocusFirstInvalid(formRef, shown);
  useFocusOnMount(formRef);

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    const found = check();
    setLocal({ problem: found, after: problem });
    if (!found) submit();
  }

  const headingId = `${ids}-heading`;
  return (
    <form ref={formRef} className="form pp-subform form-shell" noValidate onSubmit={handleSubmit} aria-labelledby={headingId}>
      <Heading id={headingId} className="form-shell__heading">
        {heading}
      </Heading>
      <FormAlert t={t} failure={failure} problem={shown} />
      {children(
        (field) => failure?.fields[field],
        (field) => `${ids}-${field}`,
      )}
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? submittingLabel : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('form.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

export function TextInput({
  id,
  label,
  value,
  onChange,
  error,
  required,
  hint,
  multiline,
  type = 'text',
  list,
  short,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  required?: boolean;
  hint?: string;
  multiline?: boolean;
  type?: 'text' | 'date';
  list?: string;
  short?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Field id={id} label={label} required={required} requiredText={t('form.required')} error={error} hint={hint}>
      {(a11y) =>
        multiline ? (
          <textarea {...a11y} rows={4} className="form-field__input" value={value} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input
            {...a11y}
            type={type}
            list={list}
            className={`form-field__input${short || type === 'date' ? ' form-field__input--short' : ''}`}
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

export function SelectInput({
  id,
  label,
  value,
  onChange,
  options,
  error,
  required,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly (readonly [string, string])[];
  error?: string | undefined;
  required?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Field id={id} label={label} required={required} requiredText={t('form.required')} error={error}>
      {(a11y) => (
        <select {...a11y} className="form-field__input form-field__select" value={value} onChange={(e) => onChange(e.target.value)}>
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
