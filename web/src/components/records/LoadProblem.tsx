// Why something could not be loaded, said once for every screen.
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';

/**
 * An alert saying why a query failed: `notFound` for a 404 when the screen has its own words for
 * it, else the problem's own message, else the generic internal error.
 */
export function LoadProblem({ error, notFound }: { error: unknown; notFound?: string }) {
  const { t } = useTranslation();
  const text =
    notFound !== undefined && isApiProblem(error) && error.status === 404
      ? notFound
      : isApiProblem(error)
        ? error.localizedMessage(t)
        : t('problem.internal_error');
  return (
    <div className="notice notice--error" role="alert">
      {text}
    </div>
  );
}
