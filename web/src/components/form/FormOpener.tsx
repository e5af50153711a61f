// A button that opens a form in place, for adding or editing without leaving the page.
import { useState, type ReactNode } from 'react';
import { useFocusOnClose } from './Field';

/** What the opened form is given: `close` for cancel, `done` to close and report what was saved. */
export interface OpenedForm {
  close: () => void;
  done: (message: string) => void;
}

/**
 * Shows the button while the form is closed and the form (from `children`) while it is open;
 * nothing when not `allowed`. When the form closes, focus returns to the button.
 */
export function FormOpener({
  allowed = true,
  label,
  ariaLabel,
  primary = false,
  inRow = false,
  onDone,
  children,
}: {
  allowed?: boolean;
  label: string;
  /** The button's accessible name when `label` alone does not say what it adds to. */
  ariaLabel?: string;
  primary?: boolean;
  /** Puts the button in a `.button-row`. */
  inRow?: boolean;
  /** Reports what the form did (the page's status region). */
  onDone: (message: string) => void;
  children: (form: OpenedForm) => ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const button = useFocusOnClose(open);
  if (!allowed) return null;
  if (open) {
    return children({
      close: () => setOpen(false),
      done: (message) => {
        setOpen(false);
        onDone(message);
      },
    });
  }
  const opener = (
    <button
      ref={button}
      type="button"
      className={`button ${primary ? 'button--primary' : 'button--secondary'}`}
      aria-label={ariaLabel}
      onClick={() => setOpen(true)}
    >
      {label}
    </button>
  );
  return inRow ? <div className="button-row">{opener}</div> : opener;
}
