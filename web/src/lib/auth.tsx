import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { dataOf, useApi, type LoginIn, type UserOut } from './api';

export type AuthStatus = 'checking' | 'signedIn' | 'signedOut';
/** Why the last session ended: the user signed out, or the server stopped accepting it. */
export type SessionEnd = 'signedOut' | 'expired' | null;

export interface AuthState {
  status: AuthStatus;
  user: UserOut | null;
  sessionEnd: SessionEnd;
  /** Rejects with an ApiProblem (invalid credentials, validation, throttling…). */
  signIn(credentials: LoginIn): Promise<UserOut>;
  /** Always ends signed out, even when the server cannot be reached. */
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<AuthStatus>(() =>
    api.getAccessToken() ? 'signedIn' : 'checking',
  );
  const [user, setUser] = useState<UserOut | null>(null);
  const [sessionEnd, setSessionEnd] = useState<SessionEnd>(null);
  const signingOut = useRef(false);
  const hadSession = useRef(false);

  useEffect(() => {
    const unsubscribe = api.subscribe((session) => {
      setUser(session?.user ?? null);
      setStatus(session ? 'signedIn' : 'signedOut');
      if (session) {
        hadSession.current = true;
        setSessionEnd(null);
      } else {
        queryClient.clear();
        if (signingOut.current) setSessionEnd('signedOut');
        else if (hadSession.current) setSessionEnd('expired');
        hadSession.current = false;
        signingOut.current = false;
      }
    });
    // A reload loses the in-memory token: the refresh cookie restores the session silently.
    if (!api.getAccessToken()) void api.refresh();
    return unsubscribe;
  }, [api, queryClient]);

  const signIn = useCallback(
    async (credentials: LoginIn) => {
      const session = dataOf(await api.client.POST('/api/v1/auth/login', { body: credentials }));
      api.setSession(session);
      return session.user;
    },
    [api],
  );

  const signOut = useCallback(async () => {
    signingOut.current = true;
    try {
      await api.client.POST('/api/v1/auth/logout');
    } catch {
      // The local session ends regardless; the cookie expires on its own.
    } finally {
      api.setSession(null);
    }
  }, [api]);

  const value = useMemo(
    () => ({ status, user, sessionEnd, signIn, signOut }),
    [status, user, sessionEnd, signIn, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth must be used inside <AuthProvider>');
  return auth;
}
