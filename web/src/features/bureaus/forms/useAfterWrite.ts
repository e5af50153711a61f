// What every policy-screen form does once the server answered.
import { isApiProblem } from '../../../lib/api';
import { useInvalidatePolicies } from '../api';

/** What a write does after the server accepted it: refresh the policy screens, then report. */
export function useAfterWrite(onDone: (message: string) => void) {
  const invalidate = useInvalidatePolicies();
  return {
    onSuccess: async (message: string) => {
      await invalidate();
      onDone(message);
    },
    onError: async (error: unknown) => {
      // A 412 means someone else saved first: show their version behind the form.
      if (isApiProblem(error) && error.status === 412) await invalidate();
    },
  };
}
