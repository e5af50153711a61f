// The delete section at the foot of a record's page: ask once more in place, delete with If-Match,
// then leave for the list with a message.
import { useId } from 'react';
import { useNavigate } from 'react-router';
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';
import { flashState } from '../../lib/flash';
import { toApiProblem } from './problems';
import { useConfirmFocus } from './useConfirmFocus';
import './form.css';

/**
 * Deletes a record after a second, in-place confirmation (no browser dialog, so keyboard and screen
 * reader users get the same question). A 412 (someone changed the record meanwhile) closes the
 * question, says `staleMessage` and reloads the record, so the person decides on what is there now.
 */
export function DeleteRecord({
  heading,
  openLabel,
  confirmLabel,
  question,
  staleMessage,
  remove,
  listKey,
  recordKey,
  next,
}: {
  heading: string;
  /** The first button ("delete this …"). */
  openLabel: string;
  /** Names the group that asks. */
  confirmLabel: string;
  question: string;
  staleMessage: string;
  /** The DELETE request, with If-Match of the version on show. */
  remove: () => Promise<unknown>;
  listKey: QueryKey;
  recordKey: QueryKey;
  /** Where to go afterwards and what to announce there. */
  next: { to: string; flash: string };
}) {
  const { t } = useTranslation();
  const ids = useId();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { asking, setAsking, confirmRef, openerRef } = useConfirmFocus();

  const mutation = useMutation({
    mutationFn: remove,
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: recordKey });
      await queryClient.invalidateQueries({ queryKey: listKey });
      void navigate(next.to, { state: flashState(next.flash) });
    },
    onError: async (error) => {
      if (isApiProblem(error) && error.status === 412) {
        // Someone changed it meanwhile: show what they saved before asking again.
        setAsking(false);
        await queryClient.invalidateQueries({ queryKey: recordKey });
      }
    },
  });
  const problem = mutation.error ? toApiProblem(mutation.error) : null;

  return (
    <section className="card pp-section delete-record" aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`}>{heading}</h2>
      <div role="alert" aria-atomic="true" className="alert-region">
        {problem && (
          <div className="notice notice--error">{problem.status === 412 ? staleMessage : problem.localizedMessage(t)}</div>
        )}
      </div>
      {!asking ? (
        <button
          ref={openerRef}
          type="button"
          className="button button--secondary"
          onClick={() => {
            mutation.reset();
            setAsking(true);
          }}
        >
          {openLabel}
        </button>
      ) : (
        <div className="delete-record__question" role="group" aria-label={confirmLabel}>
          <p id={`${ids}-question`}>{question}</p>
          <div className="button-row">
            <button
              ref={confirmRef}
              type="button"
              className="button button--danger"
              aria-describedby={`${ids}-question`}
              disabled={mutation.isPending}
              onClick={() => mutation.mutate()}
            >
              {mutation.isPending ? t('form.deleting') : t('form.deleteYes')}
            </button>
            <button type="button" className="button button--secondary" onClick={() => setAsking(false)}>
              {t('form.cancel')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
