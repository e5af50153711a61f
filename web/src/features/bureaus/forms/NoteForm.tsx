// Add a progress note of an issue, as of a date.
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import { todayInTokyo } from '../../../lib/dates';
import { Checks, FormShell, TextInput, textOrNull, useTextValues, type HeadingTag } from '../../../components/form';
import { usePolicyWrite } from './usePolicyWrite';

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
  const { values, bind } = useTextValues<(typeof NOTE_FIELDS)[number]>(() => ({
    as_of: todayInTokyo(),
    as_of_label: '',
    body: '',
  }));
  const write = usePolicyWrite(
    async () =>
      dataOf(
        await api.client.POST('/api/v1/policy-issues/{id}/progress-notes', {
          params: { path: { id: issueId } },
          body: { as_of: values.as_of, as_of_label: textOrNull(values.as_of_label), body: values.body },
        }),
      ),
    (saved) => t('bureaus.noteAdded', { label: saved.as_of_label }),
    onDone,
  );
  return (
    <FormShell
      {...write}
      heading={t('bureaus.addNoteHeading')}
      as={as}
      fields={NOTE_FIELDS}
      check={() => new Checks().required('as_of', values.as_of).required('body', values.body).problem()}
      submitLabel={t('bureaus.addNoteSubmit')}
      onCancel={onCancel}
    >
      {(frame) => {
        const field = bind(frame);
        return (
          <>
            <TextInput {...field('as_of')} type="date" width="short" label={t('bureaus.noteFields.asOf')} required />
            <TextInput
              {...field('as_of_label')}
              label={t('bureaus.noteFields.asOfLabel')}
              hint={t('bureaus.noteHints.asOfLabel')}
            />
            <TextInput {...field('body')} label={t('bureaus.noteFields.body')} required multiline />
          </>
        );
      }}
    </FormShell>
  );
}
