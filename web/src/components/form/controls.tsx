// The everyday controls of a form, each a labelled Field: text (one line or several), a choice
// from a list, radio buttons, and one checkbox with its hint.
import type { HTMLAttributes, InputHTMLAttributes, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from './Field';

interface LabelledProps {
  id: string;
  label: string;
  error?: string | undefined;
  /** Marks the label (with `requiredText`, else 必須 of the form kit) and sets aria-required. */
  required?: boolean | undefined;
  requiredText?: string | undefined;
  hint?: ReactNode;
}

/** Attributes of the input itself that the kit does not decide (name, autoComplete, min…). */
type InputExtras = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onChange' | 'className' | 'type' | 'list' | 'inputMode' | 'aria-invalid' | 'aria-describedby'
>;

/**
 * A text, date or number input, or a textarea with `multiline`. `width` narrows the input for
 * short values (`short`: numbers, dates, codes; `medium`: a period typed in wareki).
 */
export function TextInput({
  id,
  label,
  value,
  onChange,
  error,
  required,
  requiredText,
  hint,
  after,
  multiline,
  rows = 4,
  type = 'text',
  inputMode,
  width,
  suggestions,
  input,
}: LabelledProps & {
  value: string;
  onChange: (value: string) => void;
  /** Shown below the control (e.g. a live preview); referenced by aria-describedby. */
  after?: ReactNode;
  multiline?: boolean;
  rows?: number;
  type?: 'text' | 'date' | 'number';
  inputMode?: HTMLAttributes<HTMLInputElement>['inputMode'];
  width?: 'short' | 'medium';
  /** Values offered as the user types (a datalist); any other text is accepted too. */
  suggestions?: readonly string[];
  input?: InputExtras;
}) {
  const { t } = useTranslation();
  const listId = `${id}-suggestions`;
  const widthClass = width === 'short' ? ' form-field__input--short' : width === 'medium' ? ' pp-input-medium' : '';
  return (
    <Field
      id={id}
      label={label}
      required={required}
      requiredText={requiredText ?? t('form.required')}
      error={error}
      hint={hint}
      after={after}
    >
      {(a11y) =>
        multiline ? (
          <textarea {...a11y} rows={rows} className="form-field__input" value={value} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <>
            <input
              {...input}
              {...a11y}
              type={type}
              list={suggestions ? listId : undefined}
              inputMode={inputMode}
              className={`form-field__input${widthClass}`}
              value={value}
              onChange={(e) => onChange(e.target.value)}
            />
            {suggestions && (
              <datalist id={listId}>
                {suggestions.map((suggestion) => (
                  <option key={suggestion} value={suggestion} />
                ))}
              </datalist>
            )}
          </>
        )
      }
    </Field>
  );
}

/**
 * A choice from a list: `options` as [value, label] pairs after an optional `blank` choice (the
 * value ""), or `children` for options of one's own (groups).
 */
export function SelectInput({
  id,
  label,
  value,
  onChange,
  options = [],
  blank,
  children,
  error,
  required,
  requiredText,
  hint,
  disabled,
  name,
}: LabelledProps & {
  value: string;
  onChange: (value: string) => void;
  options?: readonly (readonly [string | number, string])[];
  blank?: string | undefined;
  children?: ReactNode;
  disabled?: boolean;
  name?: string;
}) {
  const { t } = useTranslation();
  return (
    <Field id={id} label={label} required={required} requiredText={requiredText ?? t('form.required')} error={error} hint={hint}>
      {(a11y) => (
        <select
          {...a11y}
          name={name}
          className="form-field__input form-field__select"
          value={value}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
        >
          {blank !== undefined && <option value="">{blank}</option>}
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
          {children}
        </select>
      )}
    </Field>
  );
}

/**
 * One choice of a few, as radio buttons in a fieldset whose legend names the choice. Each button's
 * id is `${id}-${value}` (`${id}-none` for the value ""), its name `id`, its error `${id}-error`.
 */
export function RadioGroup<V extends string | number>({
  id,
  legend,
  value,
  onChange,
  options,
  error,
  required,
  requiredText,
  className = 'pp-fieldset',
}: {
  id: string;
  legend: string;
  /** null: nothing chosen yet. */
  value: V | null;
  onChange: (value: V) => void;
  options: readonly (readonly [V, string])[];
  error?: string | undefined;
  required?: boolean;
  requiredText?: string;
  className?: string;
}) {
  const errorId = `${id}-error`;
  return (
    <fieldset className={className} aria-describedby={error ? errorId : undefined}>
      <legend className="form-field__label">
        {legend}
        {required && requiredText && <span className="pp-required">{requiredText}</span>}
      </legend>
      {error && (
        <p id={errorId} className="form-field__error">
          {error}
        </p>
      )}
      {options.map(([option, optionLabel]) => {
        const optionId = `${id}-${String(option) || 'none'}`;
        return (
          <div key={optionId} className="pp-radio">
            <input
              type="radio"
              id={optionId}
              name={id}
              value={option}
              checked={value === option}
              aria-invalid={error ? true : undefined}
              onChange={() => onChange(option)}
            />
            <label htmlFor={optionId}>{optionLabel}</label>
          </div>
        );
      })}
    </fieldset>
  );
}

/** One checkbox with its hint below, if any; an error takes the hint's place. */
export function CheckboxField({
  id,
  label,
  hint,
  error,
  checked,
  onChange,
}: {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const hintId = `${id}-hint`;
  const below = error ?? hint;
  return (
    <div className="pp-checkbox">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        aria-describedby={below ? hintId : undefined}
        aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
      {below && (
        <p id={hintId} className="form-field__hint">
          {below}
        </p>
      )}
    </div>
  );
}
