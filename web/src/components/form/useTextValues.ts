// The typed texts of a form, one per field, and the props that bind a control to one of them.
import { useState } from 'react';
import type { FrameFields } from './FormFrame';

/** The props of a kit control bound to one field: its id, its text, its setter and its error. */
export interface BoundText {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}

/**
 * One text per field (what was typed, sent as the body after reading). `bind(frame)(field)` gives
 * the props of the control of `field`, so a field is named once.
 */
export function useTextValues<F extends string>(initial: () => Record<F, string>) {
  const [values, setValues] = useState<Record<F, string>>(initial);
  const set = (field: F) => (value: string) => setValues((current) => ({ ...current, [field]: value }));
  const bind =
    ({ error, id }: Pick<FrameFields<F>, 'error' | 'id'>) =>
    (field: F): BoundText => ({ id: id(field), value: values[field], onChange: set(field), error: error(field) });
  return { values, set, setValues, bind };
}
