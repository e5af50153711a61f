// A small form that opens in place under its own heading (the policy, KPI and organization forms).
import { useId, type ReactNode } from 'react';
import type { ApiProblem } from '../../lib/api';
import { CancelButton, FormFrame, type FrameFields } from './FormFrame';

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
  check?: () => ApiProblem | null;
  submit: () => void;
  pending: boolean;
  submitLabel: string;
  submittingLabel: string;
  onCancel?: (() => void) | undefined;
  children: (fields: FrameFields<F>) => ReactNode;
}) {
  const ids = useId();
  const headingId = `${ids}-heading`;
  return (
    <FormFrame
      className="form pp-subform form-shell"
      labelledBy={headingId}
      header={
        <Heading id={headingId} className="form-shell__heading">
          {heading}
        </Heading>
      }
      fields={fields}
      problem={problem}
      problemSummary={problem?.status === 412 ? staleSummary : undefined}
      check={check}
      submit={submit}
      pending={pending}
      submitLabel={submitLabel}
      submittingLabel={submittingLabel}
      cancel={onCancel && <CancelButton onClick={onCancel} />}
      focusOnMount
    >
      {children}
    </FormFrame>
  );
}
