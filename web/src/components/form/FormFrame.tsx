// The frame of every form: the alert above it, the checks made before asking the server, the
// focus rules, and the submit and cancel buttons. FormShell (small forms with their own heading)
// and the record forms of the new and edit pages are both built on it.
import { useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiProblem } from '../../lib/api';
import { FormAlert, useFocusFirstInvalid, useFocusOnMount } from './Field';
import { describeFailure, toApiProblem, type FormFailure, type ProblemOverride } from './problems';
import './form.css';

/** What the frame hands its fields: the error and the id of each, and the problem on show. */
export interface FrameFields<F extends string> {
  error: (field: F) => string | undefined;
  id: (field: F) => string;
  /** The refusal on show: a local one until the server answers again, else the server's. */
  shown: ApiProblem | null;
  failure: FormFailure<F> | null;
}

/**
 * A form with its alert, focus rules and buttons. `check` runs before `submit` and reports like the
 * server (a 422 with pointers); its refusal holds until the server answers again. `problemSummary`
 * reads the server's problem only (a 412, a 409 that belongs to one field…).
 */
export function FormFrame<F extends string>({
  fields,
  problem,
  problemSummary,
  check,
  submit,
  pending,
  submitLabel,
  submittingLabel,
  cancel,
  className,
  labelledBy,
  header,
  focusOnMount = false,
  focusableWhilePending = false,
  children,
}: {
  fields: readonly F[];
  problem: ApiProblem | null;
  problemSummary?: string | ProblemOverride<F> | undefined;
  check?: () => ApiProblem | null;
  submit: () => void;
  pending: boolean;
  submitLabel: string;
  submittingLabel: string;
  /** The cancel button or link, beside submit. */
  cancel?: ReactNode;
  className: string;
  labelledBy: string;
  /** Above the alert: the form's own heading, when the page's is not its name. */
  header?: ReactNode;
  focusOnMount?: boolean;
  /** While pending, the submit button stays focusable (aria-disabled) and a second submit is ignored. */
  focusableWhilePending?: boolean;
  children: (fields: FrameFields<F>) => ReactNode;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [local, setLocal] = useState<{ problem: ApiProblem | null; after: ApiProblem | null }>({
    problem: null,
    after: null,
  });
  const localProblem = local.after === problem ? local.problem : null;
  const shown = localProblem ?? problem;
  const failure = useMemo(
    () => (shown ? describeFailure(t, shown, fields, localProblem ? undefined : problemSummary) : null),
    [t, shown, fields, localProblem, problemSummary],
  );
  useFocusFirstInvalid(formRef, shown);
  useFocusOnMount(formRef, focusOnMount);

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (focusableWhilePending && pending) return;
    const found = check ? check() : null;
    setLocal({ problem: found, after: problem });
    if (!found) submit();
  }

  return (
    <form ref={formRef} className={className} noValidate onSubmit={handleSubmit} aria-labelledby={labelledBy}>
      {header}
      <FormAlert t={t} failure={failure} problem={shown} />
      {children({ error: (field) => failure?.fields[field], id: (field) => `${ids}-${field}`, shown, failure })}
      <div className="button-row">
        <button
          type="submit"
          className="button button--primary"
          disabled={focusableWhilePending ? undefined : pending}
          aria-disabled={focusableWhilePending ? pending || undefined : undefined}
        >
          {pending ? submittingLabel : submitLabel}
        </button>
        {cancel}
      </div>
    </form>
  );
}

/**
 * What a new or edit page gives its record form: where the form starts (`initial`), what to do with
 * what was entered (`onSubmit`), and the frame's labels and state, passed on to FormFrame as is.
 */
export interface RecordFormProps<V, B = V> {
  initial: V;
  onSubmit: (body: B) => void;
  submitLabel: string;
  submittingLabel: string;
  pending: boolean;
  problem: ApiProblem | null;
  /** Replaces the problem's own message (e.g. for a 412). */
  problemSummary?: string | undefined;
  cancel?: ReactNode;
  /** The id of the page's heading, which names the form. */
  labelledBy: string;
}

/** The save behind a record form (a mutation) as its props: pending, the refusal, and onSubmit. */
export function savingWith<B>(mutation: { isPending: boolean; error: unknown; mutate: (body: B) => void }) {
  return {
    pending: mutation.isPending,
    problem: mutation.error ? toApiProblem(mutation.error) : null,
    onSubmit: (body: B) => mutation.mutate(body),
  };
}

/** A cancel button for a form that closes in place. */
export function CancelButton({ onClick, label }: { onClick: () => void; label?: string }) {
  const { t } = useTranslation();
  return (
    <button type="button" className="button button--secondary" onClick={onClick}>
      {label ?? t('form.cancel')}
    </button>
  );
}
