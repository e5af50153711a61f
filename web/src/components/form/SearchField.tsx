// A labelled search box with its hint and the button beside it (the search page, the links panel,
// the free-text filter of the lists).
import { useId, type KeyboardEvent, type ReactNode } from 'react';

/** A search input under its label and hint, in one row with `action` (its button). */
export function SearchField({
  label,
  hint,
  value,
  onChange,
  action,
  maxLength,
  onKeyDown,
  className = 'form-field',
  children,
}: {
  label: string;
  hint?: string | undefined;
  value: string;
  onChange: (value: string) => void;
  /** The button that runs the search (submit, or a plain button outside a form of its own). */
  action: ReactNode;
  maxLength?: number;
  onKeyDown?: (event: KeyboardEvent<HTMLInputElement>) => void;
  className?: string;
  /** Below the row: what the search found. */
  children?: ReactNode;
}) {
  const id = useId();
  return (
    <div className={className}>
      <label className="form-field__label" htmlFor={id}>
        {label}
      </label>
      {hint && (
        <p id={`${id}-hint`} className="form-field__hint">
          {hint}
        </p>
      )}
      <div className="pp-search-row">
        <input
          id={id}
          type="search"
          className="form-field__input"
          maxLength={maxLength}
          aria-describedby={hint ? `${id}-hint` : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {action}
      </div>
      {children}
    </div>
  );
}
