// What every policy-screen form does to save and once the server answered.
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../../lib/api';
import { toApiProblem } from '../../../components/form';
import { useInvalidatePolicies } from '../api';

/**
 * The write of a policy-screen form, as the FormShell props it needs: `write` sends the body;
 * once accepted the policy screens are refreshed and `message(saved)` reported through `onDone`.
 */
export function usePolicyWrite<R>(write: () => Promise<R>, message: (saved: R) => string, onDone: (message: string) => void) {
  const { t } = useTranslation();
  const invalidate = useInvalidatePolicies();
  const save = useMutation({
    mutationFn: write,
    onSuccess: async (saved) => {
      await invalidate();
      onDone(message(saved));
    },
    onError: async (error: unknown) => {
      // A 412 means someone else saved first: show their version behind the form.
      if (isApiProblem(error) && error.status === 412) await invalidate();
    },
  });
  return {
    problem: save.error ? toApiProblem(save.error) : null,
    submit: () => save.mutate(),
    pending: save.isPending,
    staleSummary: t('bureaus.stale'),
    submittingLabel: t('bureaus.saving'),
  };
}
