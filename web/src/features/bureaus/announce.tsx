import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

interface Announcer {
  /** A confirmation read out politely (saved, added…). */
  announce: (message: string) => void;
  /** A failure outside any form (e.g. a "mark done" button refused), read out at once. */
  alert: (message: string) => void;
}

const AnnounceContext = createContext<Announcer>({ announce: () => {}, alert: () => {} });

export function useAnnounce(): Announcer {
  return useContext(AnnounceContext);
}

/**
 * The page's two live regions. They are rendered before the content and stay mounted, so screen
 * readers notice the change of their text.
 */
export function AnnounceProvider({ children, initial = '' }: { children: ReactNode; initial?: string }) {
  const [message, setMessage] = useState(initial);
  const [error, setError] = useState('');
  const announce = useCallback((text: string) => {
    setError('');
    setMessage(text);
  }, []);
  const alert = useCallback((text: string) => {
    setMessage('');
    setError(text);
  }, []);
  const value = useMemo(() => ({ announce, alert }), [announce, alert]);
  return (
    <AnnounceContext.Provider value={value}>
      <div role="status" aria-atomic="true" className="alert-region" data-testid="bureau-announcement">
        {message && <div className="notice notice--info">{message}</div>}
      </div>
      <div role="alert" aria-atomic="true" className="alert-region" data-testid="bureau-alert">
        {error && <div className="notice notice--error">{error}</div>}
      </div>
      {children}
    </AnnounceContext.Provider>
  );
}
