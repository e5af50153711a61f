// The round's draft form (create and edit): title, 基準日, 回答期限, the kinds asked about as
// checkboxes, and the optional bureau and section scope from the organisation API.
import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Checks, describeFailure, Field, FormAlert, toApiProblem, useFocusFirstInvalid } from '../../components/form';
import type { ApiProblem } from '../../lib/api';
import { useSectionGroups } from '../../lib/reference';
import { RECORD_KINDS, type RecordKind, type RoundIn, type RoundOut } from './api';

const FIELDS = ['title', 'as_of', 'due_on', 'record_kinds', 'bureau_ids', 'section_ids'] as const;
type FieldName = (typeof FIELDS)[number];

/** What the form sends, from what was typed; empty scope lists ask everyone. */
export function roundBodyOf(values: {
  title: string;
  as_of: string;
  due_on: string;
  record_kinds: readonly RecordKind[];
  bureau_ids: readonly number[];
  section_ids: readonly number[];
}): RoundIn {
  return {
    title: values.title.trim(),
    as_of: values.as_of,
    due_on: values.due_on,
    // Sent in the order the form lists them, whatever order they were ticked in.
    record_kinds: RECORD_KINDS.filter((kind) => values.record_kinds.includes(kind)),
    bureau_ids: [...values.bureau_ids],
    section_ids: [...values.section_ids],
  };
}

export function RoundForm({
  editing,
  submit,
  pending,
  onCancel,
}: {
  editing: RoundOut | null;
  submit: (body: RoundIn) => Promise<unknown>;
  pending: boolean;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const groups = useSectionGroups();
  const [title, setTitle] = useState(editing?.title ?? '');
  const [asOf, setAsOf] = useState(editing?.as_of ?? '');
  const [dueOn, setDueOn] = useState(editing?.due_on ?? '');
  const [kinds, setKinds] = useState<RecordKind[]>(editing?.record_kinds ?? [...RECORD_KINDS]);
  const [bureauIds, setBureauIds] = useState<number[]>(editing?.bureau_ids ?? []);
  const [sectionIds, setSectionIds] = useState<number[]>(editing?.section_ids ?? []);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useFocusFirstInvalid(formRef, problem);
  const failure = problem ? describeFailure(t, problem, FIELDS) : null;
  const error = (field: FieldName) => failure?.fields[field];
  const headingId = `${ids}-heading`;

  const toggle = <V,>(list: V[], value: V, on: boolean) => (on ? [...list, value] : list.filter((v) => v !== value));

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const checks = new Checks().required('title', title).required('as_of', asOf).required('due_on', dueOn);
    if (kinds.length === 0) checks.errors.push({ pointer: '/record_kinds', code: 'required', message: 'is required' });
    const local = checks.problem();
    if (local) {
      setProblem(local);
      return;
    }
    setProblem(null);
    try {
      await submit(
        roundBodyOf({ title, as_of: asOf, due_on: dueOn, record_kinds: kinds, bureau_ids: bureauIds, section_ids: sectionIds }),
      );
      if (!editing) {
        setTitle('');
        setAsOf('');
        setDueOn('');
        setKinds([...RECORD_KINDS]);
        setBureauIds([]);
        setSectionIds([]);
      }
    } catch (caught) {
      setProblem(toApiProblem(caught));
    }
  }

  return (
    <form ref={formRef} className="form rd-form" aria-labelledby={headingId} onSubmit={(event) => void onSubmit(event)} noValidate>
      <h2 id={headingId}>{editing ? t('rounds.editHeading') : t('rounds.newHeading')}</h2>
      <FormAlert t={t} failure={failure} problem={problem} />
      <Field id={`${ids}-title`} label={t('rounds.fields.title')} required requiredText={t('form.required')} hint={t('rounds.fields.titleHint')} error={error('title')}>
        {(a11y) => (
          <input {...a11y} className="form-field__input" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} />
        )}
      </Field>
      <div className="rd-form__dates">
        <Field id={`${ids}-as-of`} label={t('rounds.fields.as_of')} required requiredText={t('form.required')} hint={t('rounds.fields.as_ofHint')} error={error('as_of')}>
          {(a11y) => (
            <input {...a11y} type="date" className="form-field__input form-field__input--short" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
          )}
        </Field>
        <Field id={`${ids}-due-on`} label={t('rounds.fields.due_on')} required requiredText={t('form.required')} error={error('due_on')}>
          {(a11y) => (
            <input {...a11y} type="date" className="form-field__input form-field__input--short" value={dueOn} onChange={(e) => setDueOn(e.target.value)} />
          )}
        </Field>
      </div>
      <fieldset className="rd-fieldset" aria-invalid={error('record_kinds') ? true : undefined} aria-describedby={error('record_kinds') ? `${ids}-kinds-error` : undefined}>
        <legend>{t('rounds.fields.record_kinds')}</legend>
        {error('record_kinds') && (
          <p id={`${ids}-kinds-error`} className="form-field__error">
            {error('record_kinds')}
          </p>
        )}
        {RECORD_KINDS.map((kind) => (
          <label key={kind} className="rd-check">
            <input type="checkbox" checked={kinds.includes(kind)} onChange={(e) => setKinds(toggle(kinds, kind, e.target.checked))} />
            {t(`rounds.kinds.${kind}`)}
          </label>
        ))}
      </fieldset>
      <p className="form-field__hint">{t('rounds.fields.scopeHint')}</p>
      {groups.data && (
        <div className="rd-scope">
          <fieldset className="rd-fieldset rd-scope__list">
            <legend>{t('rounds.fields.bureau_ids')}</legend>
            {error('bureau_ids') && <p className="form-field__error">{error('bureau_ids')}</p>}
            {groups.data.map(({ bureau }) => (
              <label key={bureau.id} className="rd-check">
                <input
                  type="checkbox"
                  checked={bureauIds.includes(bureau.id)}
                  onChange={(e) => setBureauIds(toggle(bureauIds, bureau.id, e.target.checked))}
                />
                {bureau.name}
              </label>
            ))}
          </fieldset>
          <fieldset className="rd-fieldset rd-scope__list">
            <legend>{t('rounds.fields.section_ids')}</legend>
            {error('section_ids') && <p className="form-field__error">{error('section_ids')}</p>}
            {groups.data
              .filter((group) => group.sections.length > 0)
              .map(({ bureau, sections }) => (
                <div key={bureau.id} role="group" aria-label={bureau.name} className="rd-scope__group">
                  <p className="rd-scope__bureau">{bureau.name}</p>
                  {sections.map((section) => (
                    <label key={section.id} className="rd-check">
                      <input
                        type="checkbox"
                        checked={sectionIds.includes(section.id)}
                        onChange={(e) => setSectionIds(toggle(sectionIds, section.id, e.target.checked))}
                      />
                      {section.name}
                    </label>
                  ))}
                </div>
              ))}
          </fieldset>
        </div>
      )}
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={pending}>
          {editing ? (pending ? t('rounds.saving') : t('rounds.save')) : pending ? t('rounds.creating') : t('rounds.create')}
        </button>
        {onCancel && (
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('rounds.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
