// A live line under a date or period field telling how the server will read what was typed.
import { useTranslation } from 'react-i18next';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { useWarekiPreview } from '../../lib/wareki';

/** How `text` will be read, updated as the user types (debounced); `withStatus` adds 実施中 and the like. */
export function WarekiPreview({ text, testId, withStatus = false }: { text: string; testId: string; withStatus?: boolean }) {
  const { t } = useTranslation();
  const typed = text.trim();
  const debounced = useDebouncedValue(typed, 350);
  const preview = useWarekiPreview(debounced);
  let message = '';
  if (typed !== '') {
    if (debounced !== typed || preview.isFetching) message = t('form.previewReading');
    else if (preview.data?.structured) {
      const status = withStatus && preview.data.status ? `（${preview.data.status}）` : '';
      message = `${t('form.previewLabel')}: ${preview.data.display}${status}`;
    } else if (preview.data || preview.isError) message = t('form.previewUnreadable');
  }
  return (
    <p role="status" aria-atomic="true" className="pp-preview" data-testid={testId}>
      {message}
    </p>
  );
}
