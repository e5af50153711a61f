import { describe, expect, it } from 'vitest';
import type { Client } from 'openapi-fetch';
import { createApiClient, dataOf } from './client';
import { ApiProblem } from './problem';
import { adminMe, fakeFetch, json, problem, tokenOut } from '../../test/http';

const BASE = 'http://localhost';

interface ThingPaths {
  '/api/v1/things': {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    post: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody: { content: { 'application/json': { name: string } } };
      responses: {
        201: { headers: Record<string, unknown>; content: { 'application/json': { id: number; echo: unknown } } };
      };
    };
  };
}

function signedInClient(routes: Parameters<typeof fakeFetch>[0], token = 'token-1') {
  const fake = fakeFetch(routes);
  const api = createApiClient({ baseUrl: BASE, fetch: fake.fetch });
  api.setSession(tokenOut(token));
  return { api, ...fake };
}

async function rejection(promise: Promise<unknown>): Promise<ApiProblem> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiProblem);
    return error as ApiProblem;
  }
  throw new Error('expected the call to fail');
}

describe('the API client middleware', () => {
  it('adds the in-memory access token as a bearer token', async () => {
    const { api, calls } = signedInClient({ 'GET /api/v1/me': () => json(adminMe) });

    const me = dataOf(await api.client.GET('/api/v1/me'));

    expect(me.display_name).toBe('北九 太郎');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.authorization).toBe('Bearer token-1');
  });

  it('asks the server for messages in the language of the screen', async () => {
    const fake = fakeFetch({ 'GET /api/v1/me': () => json(adminMe) });
    const api = createApiClient({ baseUrl: BASE, fetch: fake.fetch, language: () => 'en' });
    await api.client.GET('/api/v1/me');
    const sent = fake.fetch as unknown as { mock: { calls: [Request][] } };
    expect(sent.mock.calls[0]?.[0].headers.get('Accept-Language')).toBe('en');
  });

  it('never stores the access token in web storage', async () => {
    const { api } = signedInClient({ 'GET /api/v1/me': () => json(adminMe) });
    await api.client.GET('/api/v1/me');

    expect(JSON.stringify({ ...localStorage })).not.toContain('token-1');
    expect(JSON.stringify({ ...sessionStorage })).not.toContain('token-1');
  });

  it('refreshes once after a 401 and retries the request with the new token', async () => {
    const { api, calls } = signedInClient({
      'GET /api/v1/me': (request) =>
        request.headers.get('Authorization') === 'Bearer token-2'
          ? json(adminMe)
          : problem(401, 'invalid_token', 'Invalid token'),
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-2')),
    });

    const me = dataOf(await api.client.GET('/api/v1/me'));

    expect(me.email).toBe('admin@platina.example');
    expect(calls.map((c) => `${c.method} ${c.path} ${c.authorization ?? '-'}`)).toEqual([
      'GET /api/v1/me Bearer token-1',
      'POST /api/v1/auth/refresh -',
      'GET /api/v1/me Bearer token-2',
    ]);
    expect(api.getAccessToken()).toBe('token-2');
  });

  it('sends the same body again when it retries after a refresh', async () => {
    const { api, calls } = signedInClient({
      'POST /api/v1/things': async (request) =>
        request.headers.get('Authorization') === 'Bearer token-2'
          ? json({ id: 7, echo: await request.json() }, 201)
          : problem(401, 'invalid_token', 'Invalid token'),
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-2')),
    });
    // No write endpoint is in the contract yet: call a made-up one through a widened client type.
    const client = api.client as unknown as Client<ThingPaths>;

    const result = await client.POST('/api/v1/things', { body: { name: '電子申請' } });

    expect(result.data).toEqual({ id: 7, echo: { name: '電子申請' } });
    expect(calls.filter((c) => c.path === '/api/v1/things').map((c) => c.body)).toEqual([
      '{"name":"電子申請"}',
      '{"name":"電子申請"}',
    ]);
  });

  it('lets requests that fail together with 401 share a single refresh', async () => {
    let refreshes = 0;
    const { api, calls } = signedInClient({
      'GET /api/v1/me': (request) =>
        request.headers.get('Authorization') === 'Bearer token-2'
          ? json(adminMe)
          : problem(401, 'invalid_token', 'Invalid token'),
      'POST /api/v1/auth/refresh': async () => {
        refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return json(tokenOut('token-2'));
      },
    });

    const results = await Promise.all([
      api.client.GET('/api/v1/me'),
      api.client.GET('/api/v1/me'),
      api.client.GET('/api/v1/me'),
    ]);

    expect(results.map((r) => dataOf(r).id)).toEqual([1, 1, 1]);
    expect(refreshes).toBe(1);
    expect(calls.filter((c) => c.path === '/api/v1/me' && c.authorization === 'Bearer token-2')).toHaveLength(3);
  });

  it('ends the session and reports the 401 when the refresh is refused', async () => {
    const sessions: unknown[] = [];
    const { api, calls } = signedInClient({
      'GET /api/v1/me': () => problem(401, 'invalid_token', 'Invalid token'),
      'POST /api/v1/auth/refresh': () => problem(401, 'unauthenticated', 'Unauthenticated'),
    });
    api.subscribe((session) => sessions.push(session));

    const error = await rejection(api.client.GET('/api/v1/me'));

    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_token');
    expect(api.getAccessToken()).toBeNull();
    expect(sessions).toEqual([null]);
    expect(calls.filter((c) => c.path === '/api/v1/me')).toHaveLength(1);
  });

  it('does not refresh when the sign-in itself answers 401', async () => {
    const { api, calls } = signedInClient({
      'POST /api/v1/auth/login': () => problem(401, 'invalid_credentials', 'Invalid credentials'),
    });

    const error = await rejection(
      api.client.POST('/api/v1/auth/login', { body: { email: 'a@b.example', password: 'x' } }),
    );

    expect(error.code).toBe('invalid_credentials');
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/auth/login']);
  });

  it('turns a problem+json answer into an ApiProblem with a Japanese message', async () => {
    const { api } = signedInClient({
      'GET /api/v1/me': () =>
        problem(403, 'forbidden', 'Forbidden', { detail: 'Not allowed', request_id: 'req-42' }),
    });

    const error = await rejection(api.client.GET('/api/v1/me'));

    expect(error.status).toBe(403);
    expect(error.code).toBe('forbidden');
    expect(error.title).toBe('Forbidden');
    expect(error.requestId).toBe('req-42');
    expect(error.message).toBe('この操作を行う権限がありません。');
  });

  it("falls back to the server's title for a code it does not know", async () => {
    const { api } = signedInClient({
      'GET /api/v1/me': () => problem(409, 'brand_new_code', 'Something new happened'),
    });

    const error = await rejection(api.client.GET('/api/v1/me'));

    expect(error.code).toBe('brand_new_code');
    expect(error.message).toBe('Something new happened');
  });

  it('keeps field errors and the retry delay of a problem', async () => {
    const { api } = signedInClient({
      'POST /api/v1/auth/login': () =>
        problem(429, 'too_many_requests', 'Too Many Requests', {}, { 'Retry-After': '42' }),
    });

    const error = await rejection(
      api.client.POST('/api/v1/auth/login', { body: { email: 'a@b.example', password: 'x' } }),
    );

    expect(error.retryAfterSeconds).toBe(42);
    expect(error.message).toBe('リクエストが多すぎます。しばらくしてからもう一度お試しください。');
  });

  it('handles an error answer whose body is not JSON', async () => {
    const { api } = signedInClient({
      'GET /api/v1/me': () =>
        new Response('<html><body>Bad Gateway</body></html>', {
          status: 502,
          headers: { 'Content-Type': 'text/html' },
        }),
    });

    const error = await rejection(api.client.GET('/api/v1/me'));

    expect(error.status).toBe(502);
    expect(error.code).toBe('unexpected_response');
    expect(error.message).toBe('サーバーから予期しない応答がありました（HTTP 502）。');
    expect(error.fieldErrors).toEqual([]);
  });

  it('reports an unreachable server as a network problem', async () => {
    const api = createApiClient({
      baseUrl: BASE,
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });

    const error = await rejection(api.client.GET('/api/v1/me'));

    expect(error.code).toBe('network_error');
    expect(error.status).toBe(0);
    expect(error.message).toBe('サーバーに接続できません。ネットワークを確認してください。');
  });

  it('restores a session from the refresh cookie on load', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-9')),
      'GET /api/v1/me': () => json(adminMe),
    });
    const api = createApiClient({ baseUrl: BASE, fetch });

    const session = await api.refresh();
    await api.client.GET('/api/v1/me');

    expect(session?.user.display_name).toBe('北九 太郎');
    expect(calls.at(-1)?.authorization).toBe('Bearer token-9');
  });
});
