// The filter box above a list: a named search form whose controls apply at once (selects, dates,
// checkboxes) or on 検索 (typed text), and a button that clears every condition.
import { useId, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { CheckboxField, SearchField } from '../form';

type Heading = 'h2' | 'h3';

export function FilterBar({
  heading: Heading = 'h2',
  onSearch,
  onClear,
  children,
}: {
  heading?: Heading;
  /** Applies what was typed into the text fields. */
  onSearch: () => void;
  /** Offered only while a condition is set. */
  onClear?: (() => void) | undefined;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  function submit(event: FormEvent) {
    event.preventDefault();
    onSearch();
  }
  return (
    <section className="card pp-filters" aria-labelledby={headingId}>
      <Heading id={headingId} className="pp-h2-small">
        {t('list.filtersHeading')}
      </Heading>
      <form role="search" aria-labelledby={headingId} onSubmit={submit} className="pp-filter-grid">
        {children}
        {onClear && (
          <div>
            <button type="button" className="button button--secondary" onClick={onClear}>
              {t('list.clearFilters')}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}

export type Option = readonly [value: string, label: string];
export interface OptionGroup {
  label: string;
  options: readonly Option[];
}

/** A select that filters as soon as it changes; the empty choice means "all". */
export function FilterSelect({
  label,
  value,
  allLabel,
  options = [],
  groups = [],
  onChange,
}: {
  label: string;
  value: string | number | boolean | undefined;
  /** The empty choice ("all"); absent when the list always has a value (a fiscal year). */
  allLabel?: string;
  options?: readonly Option[];
  /** Options under headings (sections under their bureau). */
  groups?: readonly OptionGroup[];
  onChange: (value: string) => void;
}) {
  return (
    <FilterField label={label}>
      {(id) => (
      <select id={id} className="form-field__input" value={value === undefined ? '' : String(value)} onChange={(e) => onChange(e.target.value)}>
        {allLabel !== undefined && <option value="">{allLabel}</option>}
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
        {groups.map((group) => (
          <optgroup key={group.label} label={group.label}>
            {group.options.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      )}
    </FilterField>
  );
}

/** A date that filters as soon as it changes. */
export function FilterDate({ label, value, onChange }: { label: string; value: string | undefined; onChange: (value: string) => void }) {
  return (
    <FilterField label={label}>
      {(id) => <input id={id} type="date" className="form-field__input" value={value ?? ''} onChange={(e) => onChange(e.target.value)} />}
    </FilterField>
  );
}

/** A checkbox that filters as soon as it changes, with an optional hint. */
export function FilterCheckbox({
  label,
  checked,
  hint,
  onChange,
}: {
  label: string;
  checked: boolean;
  hint?: string | undefined;
  onChange: (checked: boolean) => void;
}) {
  const id = useId();
  return <CheckboxField id={id} label={label} hint={hint} checked={checked} onChange={onChange} />;
}

/** A text field applied with the form (検索); `wide` gives it the whole row with the submit button. */
export function FilterText({
  label,
  hint,
  value,
  onChange,
  wide = false,
}: {
  label: string;
  hint?: string | undefined;
  value: string;
  onChange: (value: string) => void;
  wide?: boolean;
}) {
  const { t } = useTranslation();
  if (wide) {
    return (
      <SearchField
        className="form-field pp-filter-search"
        label={label}
        hint={hint}
        value={value}
        onChange={onChange}
        action={
          <button type="submit" className="button button--secondary">
            {t('list.searchSubmit')}
          </button>
        }
      />
    );
  }
  return (
    <FilterField label={label} hint={hint}>
      {(id, describedBy) => (
        <input
          id={id}
          type="text"
          className="form-field__input"
          value={value}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </FilterField>
  );
}

/** A filter's label and hint above its control, which it gives the id and the hint's id. */
function FilterField({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string | undefined;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="form-field">
      <label className="form-field__label" htmlFor={id}>
        {label}
      </label>
      {hint && (
        <p id={`${id}-hint`} className="form-field__hint">
          {hint}
        </p>
      )}
      {children(id, hint ? `${id}-hint` : undefined)}
    </div>
  );
}
