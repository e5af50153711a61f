// Where focus goes when a question opens in place and closes again.
import { useEffect, useRef, useState } from 'react';

/**
 * The state of a "really?" asked in place: while asking, focus is on the confirming button; after
 * the question closes, focus returns to the button that opened it (never to the page's top).
 */
export function useConfirmFocus() {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) openerRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  return { asking, setAsking, confirmRef, openerRef };
}
