// A value the person edits that starts from another and follows it whenever that one changes (a
// link, "clear", the back button, a record reloaded after a 412), free to differ in between.
import { useState } from 'react';

export function useDraft<T>(source: T): [T, (value: T | ((current: T) => T)) => void] {
  const [draft, setDraft] = useState(source);
  const [seen, setSeen] = useState(source);
  if (!Object.is(seen, source)) {
    // Adjusted while rendering (not in an effect), so the field never shows a stale value.
    setSeen(source);
    setDraft(source);
  }
  return [draft, setDraft];
}
