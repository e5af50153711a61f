import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import type { TokenOut } from './types';
import { ApiProblem, CLIENT_CODES, problemFromResponse } from './problem';

export type ApiPaths = paths;
export type SessionListener = (session: TokenOut | null) => void;

export interface ApiClientOptions {
  /** Origin of the API, e.g. `window.location.origin`. */
  baseUrl: string;
  /** Injected in tests; defaults to the global fetch, looked up at call time. */
  fetch?: typeof globalThis.fetch;
  /** UI language sent as Accept-Language, so the server's own titles match the screen. */
  language?: () => string;
}

export interface ApiClient {
  /** Typed client; every non-2xx answer rejects with an ApiProblem. */
  readonly client: Client<paths>;
  /** Access token held in memory only (never in storage). */
  getAccessToken(): string | null;
  /** Stores the result of a sign-in (or null after sign-out) and tells the listeners. */
  setSession(session: TokenOut | null): void;
  /** One silent refresh through the HttpOnly cookie; concurrent callers share it. */
  refresh(): Promise<TokenOut | null>;
  /** Called with the new session after sign-in, refresh, sign-out or a lost session. */
  subscribe(listener: SessionListener): () => void;
}

const REFRESH_PATH = '/api/v1/auth/refresh';
const AUTH_PREFIX = '/api/v1/auth/';

interface Pending {
  /** Untouched copy of the request, kept so it can be sent again after a refresh. */
  retryCopy: Request;
  /** The token the request went out with (null: none). */
  token: string | null;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: typeof globalThis.fetch = (input, init) =>
    (options.fetch ?? globalThis.fetch)(input, init);

  let accessToken: string | null = null;
  let refreshing: Promise<TokenOut | null> | null = null;
  const listeners = new Set<SessionListener>();
  const pending = new Map<string, Pending>();

  function setSession(session: TokenOut | null): void {
    accessToken = session?.access_token ?? null;
    for (const listener of listeners) listener(session);
  }

  async function refreshOnce(): Promise<TokenOut | null> {
    try {
      const response = await doFetch(`${baseUrl}${REFRESH_PATH}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
      });
      if (!response.ok) {
        setSession(null);
        return null;
      }
      const session = (await response.json()) as TokenOut;
      setSession(session);
      return session;
    } catch {
      // Network failure: the session cannot be confirmed, so treat it as gone.
      setSession(null);
      return null;
    }
  }

  /**
   * Tabs share the refresh cookie, and the server treats a rotated token sent again as theft
   * (refresh_token_reused). The Web Locks API serialises refreshes across tabs, so a second tab
   * sends the cookie the first one just received.
   */
  async function refreshAcrossTabs(): Promise<TokenOut | null> {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    if (!locks) return refreshOnce();
    return await locks.request('platina.auth.refresh', refreshOnce);
  }

  function refresh(): Promise<TokenOut | null> {
    refreshing ??= refreshAcrossTabs().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  function withToken(request: Request, token: string | null): Request {
    const headers = new Headers(request.headers);
    const language = options.language?.();
    if (language) headers.set('Accept-Language', language);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    else headers.delete('Authorization');
    return new Request(request, { headers });
  }

  const middleware: Middleware = {
    onRequest({ request, schemaPath, id }) {
      const token = accessToken;
      const authed = withToken(request, token);
      if (!schemaPath.startsWith(AUTH_PREFIX)) {
        pending.set(id, { retryCopy: authed.clone(), token });
      }
      return authed;
    },

    async onResponse({ response, options: requestOptions, id }) {
      const entry = pending.get(id);
      pending.delete(id);
      let final = response;
      if (response.status === 401 && entry) {
        // Another request may already have refreshed while this one was in flight.
        const token =
          accessToken && accessToken !== entry.token
            ? accessToken
            : (await refresh())?.access_token ?? null;
        if (token) {
          await response.body?.cancel().catch(() => undefined);
          try {
            final = await requestOptions.fetch(withToken(entry.retryCopy, token));
          } catch (error) {
            throw new ApiProblem({ status: 0, code: CLIENT_CODES.network, cause: error });
          }
        }
      } else if (entry) {
        await entry.retryCopy.body?.cancel().catch(() => undefined);
      }
      if (!final.ok) throw await problemFromResponse(final);
      return final;
    },

    onError({ error, id }) {
      pending.delete(id);
      if (error instanceof ApiProblem) return error;
      if (error instanceof DOMException && error.name === 'AbortError') return error;
      return new ApiProblem({ status: 0, code: CLIENT_CODES.network, cause: error });
    },
  };

  const client = createClient<paths>({ baseUrl, fetch: doFetch, credentials: 'same-origin' });
  client.use(middleware);

  return {
    client,
    getAccessToken: () => accessToken,
    setSession,
    refresh,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Returns the data of a successful call (the middleware has already thrown for failures). */
export function dataOf<T>(result: { data?: T; response: Response }): T {
  if (result.data === undefined) {
    throw new ApiProblem({ status: result.response.status, code: CLIENT_CODES.unexpected });
  }
  return result.data;
}
