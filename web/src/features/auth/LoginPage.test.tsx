import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { adminMe, fakeFetch, json, problem, tokenOut } from '../../test/http';
import { renderApp } from '../../test/renderApp';

const noSession = () => problem(401, 'unauthenticated', 'Unauthenticated');

async function fillAndSubmit(email: string, password: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('メールアドレス'), email);
  await user.type(screen.getByLabelText('パスワード'), password);
  await user.click(screen.getByRole('button', { name: 'ログイン' }));
  return user;
}

describe('the sign-in page', () => {
  it('is in Japanese by default and names the product', async () => {
    const { fetch } = fakeFetch({ 'POST /api/v1/auth/refresh': noSession });
    renderApp('/login', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: 'ログイン' })).toBeInTheDocument();
    expect(screen.getByText('Platina プラチナ市役所 改革トラッカー')).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('ja');
  });

  it('shows the field errors of a 422 next to the fields they belong to', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': noSession,
      'POST /api/v1/auth/login': () =>
        problem(422, 'validation_failed', 'Validation failed', {
          errors: [{ pointer: '/email', code: 'invalid_email', message: 'must be an email address' }],
        }),
    });
    renderApp('/login', fetch);

    await fillAndSubmit('not-an-email', 'secret');

    const email = screen.getByLabelText('メールアドレス');
    await waitFor(() => expect(email).toHaveAttribute('aria-invalid', 'true'));
    expect(email).toHaveAccessibleDescription('メールアドレスの形式で入力してください。');
    expect(email).toHaveFocus();
    expect(screen.getByLabelText('パスワード')).not.toHaveAttribute('aria-invalid');
    expect(screen.getByRole('alert')).toHaveTextContent('入力内容を確認してください。');
  });

  it("shows the server's message for a field error code it does not translate", async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': noSession,
      'POST /api/v1/auth/login': () =>
        problem(422, 'validation_failed', 'Validation failed', {
          errors: [{ pointer: '/password', code: 'odd_rule', message: 'パスワードの規則に合いません' }],
        }),
    });
    renderApp('/login', fetch);

    await fillAndSubmit('a@platina.example', 'x');

    await waitFor(() =>
      expect(screen.getByLabelText('パスワード')).toHaveAccessibleDescription('パスワードの規則に合いません'),
    );
  });

  it('shows the throttling message with the seconds from a 429', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': noSession,
      'POST /api/v1/auth/login': () =>
        problem(429, 'too_many_requests', 'Too Many Requests', { retry_after_seconds: 57 }, { 'Retry-After': '57' }),
    });
    renderApp('/login', fetch);

    await fillAndSubmit('admin@platina.example', 'wrong');

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'ログインの試行回数が上限に達しました。57 秒後にもう一度お試しください。',
    );
  });

  it('reads the seconds from the Retry-After header when the body has none', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': noSession,
      'POST /api/v1/auth/login': () =>
        problem(429, 'too_many_requests', 'Too Many Requests', {}, { 'Retry-After': '30' }),
    });
    renderApp('/login', fetch);

    await fillAndSubmit('admin@platina.example', 'wrong');

    expect(await screen.findByRole('alert')).toHaveTextContent('30 秒後にもう一度お試しください。');
  });

  it('says the email or password is wrong on invalid credentials', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': noSession,
      'POST /api/v1/auth/login': () => problem(401, 'invalid_credentials', 'Invalid credentials'),
    });
    renderApp('/login', fetch);

    await fillAndSubmit('admin@platina.example', 'wrong');

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'メールアドレスまたはパスワードが正しくありません。',
    );
  });

  it('switches to English and remembers the choice', async () => {
    const { fetch } = fakeFetch({ 'POST /api/v1/auth/refresh': noSession });
    renderApp('/login', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'English' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByLabelText('Email address')).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('en');
    expect(localStorage.getItem('platina.language')).toBe('en');
  });

  it('signs in and shows the shell with the name and role of the user', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/auth/refresh': noSession,
      'POST /api/v1/auth/login': () => json(tokenOut('token-1')),
      'GET /api/v1/me': () => json(adminMe),
    });
    renderApp('/login', fetch);

    await fillAndSubmit('admin@platina.example', 'platina-demo');

    expect(await screen.findByRole('heading', { level: 1, name: 'ようこそ、北九 太郎 さん' })).toBeInTheDocument();
    expect(screen.getByTestId('user-role')).toHaveTextContent('管理者（市政変革推進室）');
    expect(screen.getByRole('navigation', { name: 'メインメニュー' })).toBeInTheDocument();
    expect(calls.find((c) => c.path === '/api/v1/auth/login')?.body).toBe(
      '{"email":"admin@platina.example","password":"platina-demo"}',
    );
  });

  it('sends a signed-out visitor of a protected page to the sign-in page', async () => {
    const { fetch } = fakeFetch({ 'POST /api/v1/auth/refresh': noSession });
    const { router } = renderApp('/', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: 'ログイン' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
  });

  it('keeps the session across a reload through the refresh cookie', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-5')),
      'GET /api/v1/me': () => json(adminMe),
    });
    renderApp('/', fetch);

    expect(await screen.findByTestId('user-name')).toHaveTextContent('北九 太郎');
  });

  it('signs out and lands on the sign-in page with a confirmation', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-5')),
      'GET /api/v1/me': () => json(adminMe),
      'POST /api/v1/auth/logout': () => new Response(null, { status: 204 }),
    });
    const { router } = renderApp('/', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'ログアウト' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'ログイン' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('ログアウトしました。');
    expect(router.state.location.pathname).toBe('/login');
    expect(calls.some((c) => c.path === '/api/v1/auth/logout')).toBe(true);
  });
});
