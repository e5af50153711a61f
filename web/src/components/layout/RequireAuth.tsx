import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useAuth } from '../../lib/auth';
import { LoadingScreen } from './LoadingScreen';

export interface LoginLocationState {
  /** Where to go back to after signing in. */
  from?: string;
}

/** Renders its children only for a signed-in user; others are sent to /login. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'checking') return <LoadingScreen />;
  if (status === 'signedOut') {
    const state: LoginLocationState = {
      from: `${location.pathname}${location.search}${location.hash}`,
    };
    return <Navigate to="/login" replace state={state} />;
  }
  return <>{children}</>;
}
