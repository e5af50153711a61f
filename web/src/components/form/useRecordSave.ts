// The save behind a record's new or edit page: write, refresh the cached lists (and the record),
// go to the record with a message, and after a 412 reload the record the form was based on.
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { isApiProblem } from '../../lib/api';
import { flashState } from '../../lib/flash';
import { savingWith } from './FormFrame';

export interface RecordSave<B, R> {
  /** The request: POST for a new record, PUT with If-Match for an edit. */
  write: (body: B) => Promise<R>;
  /** The cached lists the record appears in (a key prefix). */
  listKey: QueryKey;
  /** Edit pages: the edited record's query, set from the answer and reloaded after a 412. */
  recordKey?: QueryKey;
  /** Where to go after the save, and what to announce there. */
  next: (saved: R) => { to: string; flash: string };
  /** What the form says when someone else saved the record first (412). */
  staleSummary?: string;
}

/** A record form's saving props (pending, problem, onSubmit, problemSummary) for one save. */
export function useRecordSave<B, R>({ write, listKey, recordKey, next, staleSummary }: RecordSave<B, R>) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: write,
    onSuccess: async (saved) => {
      if (recordKey) queryClient.setQueryData(recordKey, saved);
      await queryClient.invalidateQueries({ queryKey: listKey });
      const { to, flash } = next(saved);
      void navigate(to, { state: flashState(flash) });
    },
    onError: async (error) => {
      // Someone saved first: load what they saved, so the next submit is based on it.
      if (recordKey && isApiProblem(error) && error.status === 412) {
        await queryClient.invalidateQueries({ queryKey: recordKey });
      }
    },
  });
  const saving = savingWith<B>({ isPending: mutation.isPending, error: mutation.error, mutate: (body) => mutation.mutate(body) });
  return { ...saving, problemSummary: saving.problem?.status === 412 ? staleSummary : undefined };
}
