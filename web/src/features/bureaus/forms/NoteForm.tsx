// Add or edit a progress note of an issue, as of a date.
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import { todayInTokyo } from '../../../lib/dates';
import { Checks, FormShell, TextInput, textOrNull, toApiProblem, type HeadingTag } from '../../../components/form';
import { useAfterWrite } from './useAfterWrite';

const NOTE_FIELDS = ['as_of', 'as_of_label', 'body'] as const;

export function NoteForm({
  issueId,
  as,
  onDone,
  onCancel,
}: {
  issueId: number;
  as: HeadingTag;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const after = useAfterWrite(onDone);
  const [asOf, setAsOf] = useState(todayInTokyo());
  const [label, setLabel] = useState('');
  const [text, setText] = useState('');
  const save = useMutation({
    mutationFn: async () =>
      dataOf(
        await api.client.POST('/api/v1/policy-issues/{id}/progress-notes', {
          params: { path: { id: issueId } },
          body: { as_of: asOf, as_of_label: textOrNull(label), body: text },
        }),
      ),
    onSuccess: (saved) => after.onSuccess(t('bureaus.noteAdded', { label: saved.as_of_label })),
    onError: after.onError,
  });
  const problem = save.error ? toApiProblem(save.error) : null;
  return (
    <FormShell
      heading={t('bureaus.addNoteHeading')}
      as={as}
      fields={NOTE_FIELDS}
      problem={problem}
      check={() => new Checks().required('as_of', asOf).required('body', text).problem()}
      submit={() => save.mutate()}
      pending={save.isPending}
      submitLabel={t('bureaus.addNoteSubmit')}
      submittingLabel={t('bureaus.saving')}
      onCancel={onCancel}
    >
      {(error, id) => (
        <>
          <TextInput
            id={id('as_of')}
            type="date"
            width="short"
            label={t('bureaus.noteFields.asOf')}
            value={asOf}
            onChange={setAsOf}
            error={error('as_of')}
            required
          />
          <TextInput
            id={id('as_of_label')}
            label={t('bureaus.noteFields.asOfLabel')}
            hint={t('bureaus.noteHints.asOfLabel')}
            value={label}
            onChange={setLabel}
            error={error('as_of_label')}
          />
          <TextInput
            id={id('body')}
            label={t('bureaus.noteFields.body')}
            value={text}
            onChange={setText}
            error={error('body')}
            required
            multiline
          />
        </>
      )}
    </FormShell>
  );
}
