// Text typed into a filter before it is applied: it follows the applied value whenever that
// changes (a link, "clear", the back button) and is free to differ in between.
import { useState } from 'react';

export function useDraft(applied: string): [string, (value: string) => void] {
  const [draft, setDraft] = useState(applied);
  const [seen, setSeen] = useState(applied);
  if (seen !== applied) {
    // Adjusting state while rendering (not in an effect) so the input never shows a stale value.
    setSeen(applied);
    setDraft(applied);
  }
  return [draft, setDraft];
}
