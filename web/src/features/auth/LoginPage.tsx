import { useId, useRef, useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiProblem, fieldErrorMessage, isApiProblem, type FieldProblem } from '../../lib/api';
import { LanguageSwitch } from '../../components/layout/LanguageSwitch';
import { MAIN_ID, SkipLink } from '../../components/layout/SkipLink';
import { usePageTitle } from '../../lib/usePageTitle';
import { useAuth } from '../../lib/auth';
import type { LoginLocationState } from '../../components/layout/RequireAuth';

type Field = 'email' | 'password';
const FIELDS: readonly Field[] = ['email', 'password'];

/** Only same-app paths are followed after sign-in (no open redirects). */
function safeReturnPath(from: unknown): string {
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') && from !== '/login'
    ? from
    : '/';
}

export function LoginPage() {
  const { t } = useTranslation();
  const { status, sessionEnd, signIn } = useAuth();
  const location = useLocation();
  const ids = useId();
  usePageTitle(t('login.title'));

  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const inputs = { email: useRef<HTMLInputElement>(null), password: useRef<HTMLInputElement>(null) };

  if (status === 'signedIn') {
    const state = location.state as LoginLocationState | null;
    return <Navigate to={safeReturnPath(state?.from)} replace />;
  }

  const fieldErrors: Partial<Record<Field, FieldProblem>> = problem?.fieldErrorsByName() ?? {};

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    setSubmitting(true);
    setProblem(null);
    try {
      await signIn({ email: email.trim(), password });
    } catch (error) {
      const next = isApiProblem(error)
        ? error
        : new ApiProblem({ status: 0, code: 'network_error', cause: error });
      setProblem(next);
      const byName = next.fieldErrorsByName();
      const firstInvalid = FIELDS.find((field) => field in byName);
      if (firstInvalid) inputs[firstInvalid].current?.focus();
    } finally {
      setSubmitting(false);
    }
  }

  function summary(current: ApiProblem): string {
    switch (current.code) {
      case 'invalid_credentials':
        return t('login.invalidCredentials');
      case 'too_many_requests':
        return current.retryAfterSeconds !== undefined
          ? t('login.throttled', { count: current.retryAfterSeconds })
          : t('login.throttledNoSeconds');
      case 'validation_failed':
        return current.fieldErrors.length ? t('login.fixErrors') : current.localizedMessage(t);
      default:
        return current.localizedMessage(t);
    }
  }

  const notice =
    !problem && sessionEnd === 'signedOut'
      ? t('login.signedOut')
      : !problem && sessionEnd === 'expired'
        ? t('login.sessionExpired')
        : null;

  return (
    <div className="layout layout--public">
      <SkipLink />
      <header className="site-header">
        <div className="site-header__inner">
          <p className="site-header__brand">{t('app.productName')}</p>
          <div className="site-header__tools">
            <LanguageSwitch />
          </div>
        </div>
      </header>
      <main id={MAIN_ID} tabIndex={-1} className="main main--narrow">
        <div className="card login-card">
          <h1>{t('login.title')}</h1>
          <p className="muted">{t('app.tagline')}</p>
          <p>{t('login.intro')}</p>

          <div role="alert" aria-atomic="true" className="alert-region">
            {problem && (
              <div className="notice notice--error" data-testid="login-error">
                <p>{summary(problem)}</p>
                {problem.requestId && problem.status >= 500 && (
                  <p className="notice__meta">{t('errors.requestId', { id: problem.requestId })}</p>
                )}
              </div>
            )}
          </div>
          {notice && (
            <div className="notice notice--info" role="status">
              {notice}
            </div>
          )}

          <form className="form" noValidate onSubmit={(event) => void handleSubmit(event)}>
            {FIELDS.map((field) => {
              const inputId = `${ids}-${field}`;
              const errorId = `${inputId}-error`;
              const fieldError = fieldErrors[field];
              return (
                <div className="form-field" key={field}>
                  <label htmlFor={inputId} className="form-field__label">
                    {t(field === 'email' ? 'login.email' : 'login.password')}
                  </label>
                  {fieldError && (
                    <p id={errorId} className="form-field__error">
                      {fieldErrorMessage(t, fieldError)}
                    </p>
                  )}
                  <input
                    ref={inputs[field]}
                    id={inputId}
                    name={field}
                    className="form-field__input"
                    type={field === 'email' ? 'email' : 'password'}
                    autoComplete={field === 'email' ? 'username' : 'current-password'}
                    inputMode={field === 'email' ? 'email' : undefined}
                    spellCheck={false}
                    required
                    aria-invalid={fieldError ? true : undefined}
                    aria-describedby={fieldError ? errorId : undefined}
                    value={field === 'email' ? email : password}
                    onChange={(event) =>
                      field === 'email' ? setEmail(event.target.value) : setPassword(event.target.value)
                    }
                  />
                </div>
              );
            })}
            <button type="submit" className="button button--primary" aria-disabled={submitting || undefined}>
              {submitting ? t('login.submitting') : t('login.submit')}
            </button>
          </form>
        </div>
      </main>
    </div>
  );
}
