import { vi } from 'vitest';

import type { MeOut, TokenOut, UserOut } from '../lib/api';

/** A person as sign-in and refresh return them. */
export const adminUser: UserOut = {
  id: 1,
  email: 'admin@platina.example',
  display_name: '北九 太郎',
  role: 'admin',
  scopes: { section_ids: [], bureau_ids: [] },
  disabled: false,
};

/** The same person as GET /api/v1/me describes them. */
export const adminMe: MeOut = {
  kind: 'user',
  id: 1,
  email: 'admin@platina.example',
  display_name: '北九 太郎',
  role: 'admin',
  scopes: { section_ids: [], bureau_ids: [] },
};

export function tokenOut(accessToken: string, user: UserOut = adminUser): TokenOut {
  return { access_token: accessToken, token_type: 'Bearer', expires_in: 900, user };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function problem(
  status: number,
  code: string,
  title: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return new Response(
    JSON.stringify({ type: `https://platina.example/problems/${code}`, title, status, code, request_id: 'req-1', ...extra }),
    { status, headers: { 'Content-Type': 'application/problem+json', ...headers } },
  );
}

export type Handler = (request: Request) => Response | Promise<Response>;

/**
 * A fetch double: answers by "METHOD /path" and records every request it received
 * (with the Authorization and If-Match headers it carried).
 */
export function fakeFetch(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; authorization: string | null; ifMatch: string | null; body: string }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    const key = `${request.method} ${path}`;
    calls.push({
      method: request.method,
      path,
      authorization: request.headers.get('Authorization'),
      ifMatch: request.headers.get('If-Match'),
      body: request.body ? await request.clone().text() : '',
    });
    const handler = routes[key];
    if (!handler) return problem(404, 'not_found', 'Not Found');
    return handler(request);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

/** A read-only person (role viewer). */
export const viewerUser: UserOut = {
  id: 4,
  email: 'viewer@platina.example',
  display_name: '若松 花子',
  role: 'viewer',
  scopes: { section_ids: [], bureau_ids: [] },
  disabled: false,
};
