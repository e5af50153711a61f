import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { BureauOut, SectionOut } from '../../lib/api';
import { fakeFetch, json, problem, tokenOut, viewerUser, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';

const mayorsOffice: BureauOut = {
  id: 1,
  name: '市長公室',
  kind: 'office',
  kind_label: '室',
  sort_order: 1,
  version: 2,
};

const NAMES = [
  { name: '広報戦略課', effective_from: '2019-04-01' },
  { name: '企画・マーケティング課', effective_from: '2026-04-01' },
];

/** GET /api/v1/sections as the server answers it: the name in force on `as_of`. */
function sectionsAsOf(request: Request): Response {
  const query = new URL(request.url).searchParams;
  const asOf = query.get('as_of') ?? '2026-04-01';
  if (query.get('bureau_id') !== '1') return json([]);
  const inForce = NAMES.filter((n) => n.effective_from <= asOf).at(-1);
  if (!inForce) return json([]);
  const section: SectionOut = { id: 10, bureau_id: 1, name: inForce.name, as_of: asOf, names: NAMES, version: 3 };
  return json([section]);
}

function server(routes: Record<string, Handler>, user = tokenOut('token-1')) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    'GET /api/v1/bureaus': () => json([mayorsOffice]),
    'GET /api/v1/sections': sectionsAsOf,
    ...routes,
  });
}

async function openBureau(name: string | RegExp) {
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name }));
  return user;
}

describe('the organisation screen', () => {
  it('lists the sections of a bureau under the names in force on the chosen 基準日', async () => {
    const { fetch } = server({});
    renderApp('/organization?as_of=2026-03-31', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '組織' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '組織' })).toHaveAttribute('aria-current', 'page');
    const asOf = screen.getByLabelText('基準日');
    expect(asOf).toHaveValue('2026-03-31');
    expect(asOf).toHaveAccessibleDescription('2026年3月31日（令和8年3月31日）時点の名称で表示します。');

    expect(await screen.findByRole('button', { name: '市長公室 室' })).toHaveAttribute('aria-expanded', 'false');
    await openBureau(/市長公室/);
    const panel = screen.getByRole('region', { name: /市長公室/ });
    expect(within(panel).getByRole('heading', { level: 4 })).toHaveTextContent('2026年3月31日（令和8年3月31日）時点の課');
    expect(await within(panel).findByRole('heading', { level: 5, name: '広報戦略課' })).toBeInTheDocument();
    const history = within(panel).getByRole('list', { name: '名称履歴' });
    expect(history).toHaveTextContent('広報戦略課 2019年4月1日（平成31年4月1日）から 基準日時点の名称');
    expect(history).toHaveTextContent('企画・マーケティング課 2026年4月1日（令和8年4月1日）から 予定');

    fireEvent.change(asOf, { target: { value: '2026-04-01' } });

    expect(
      await within(panel).findByRole('heading', { level: 5, name: '企画・マーケティング課' }),
    ).toBeInTheDocument();
    expect(within(panel).queryByRole('heading', { level: 5, name: '広報戦略課' })).not.toBeInTheDocument();
    expect(within(panel).getByRole('list', { name: '名称履歴' })).toHaveTextContent('広報戦略課 2019年4月1日（平成31年4月1日）から 旧名称');
  });

  it('shows a viewer the organisation without any edit control', async () => {
    const { fetch } = server({}, tokenOut('token-1', viewerUser));
    renderApp('/organization?as_of=2026-04-01', fetch);

    await openBureau(/市長公室/);
    const panel = screen.getByRole('region', { name: /市長公室/ });
    expect(await within(panel).findByRole('heading', { level: 5, name: '企画・マーケティング課' })).toBeInTheDocument();

    const buttons = screen.getAllByRole('button').map((b) => b.textContent);
    expect(buttons).not.toContain('編集');
    expect(buttons).not.toContain('課を追加');
    expect(buttons).not.toContain('名称を変更');
    expect(screen.queryByRole('heading', { name: '局・区を追加' })).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox')).not.toBeInTheDocument();
  });

  it('sends If-Match with the version shown when renaming and explains a 409 next to the date', async () => {
    const sent: { ifMatch: string | null; body: unknown }[] = [];
    const { fetch } = server({
      'POST /api/v1/sections/10/renames': async (request) => {
        sent.push({ ifMatch: request.headers.get('If-Match'), body: await request.json() });
        return problem(409, 'conflict', 'Conflict', { detail: 'a record with the same name or date already exists' });
      },
    });
    renderApp('/organization?as_of=2026-04-01', fetch);

    const user = await openBureau(/市長公室/);
    await user.click(await screen.findByRole('button', { name: '企画・マーケティング課の名称を変更' }));
    const form = screen.getByRole('form', { name: '企画・マーケティング課の名称を変更' });
    await user.type(within(form).getByLabelText('新しい名称'), '広報課');
    fireEvent.change(within(form).getByLabelText('適用開始日'), { target: { value: '2026-04-01' } });
    await user.click(within(form).getByRole('button', { name: '変更する' }));

    const date = within(form).getByLabelText('適用開始日');
    await waitFor(() => expect(date).toHaveAttribute('aria-invalid', 'true'));
    expect(sent).toEqual([{ ifMatch: '"3"', body: { name: '広報課', effective_from: '2026-04-01' } }]);
    expect(date).toHaveAccessibleDescription(
      expect.stringContaining('この適用開始日から有効になる名称がすでにあります。'),
    );
    expect(date).toHaveFocus();
    expect(within(form).getByRole('alert')).toHaveTextContent('入力内容を確認してください。');
    // What was typed is kept for a second try.
    expect(within(form).getByLabelText('新しい名称')).toHaveValue('広報課');
    expect(date).toHaveValue('2026-04-01');
  });

  it('shows the field error of a 422 next to the name field and keeps what was typed', async () => {
    const { fetch, calls } = server({
      'POST /api/v1/bureaus': () =>
        problem(422, 'validation_failed', 'Validation failed', {
          errors: [{ pointer: '/name', location: 'body', code: 'length', message: 'must be at most 100 characters' }],
        }),
    });
    renderApp('/organization?as_of=2026-04-01', fetch);
    const user = userEvent.setup();

    const form = await screen.findByRole('form', { name: '局・区を追加' });
    await user.type(within(form).getByLabelText('名称'), '八幡西区役所');
    await user.selectOptions(within(form).getByLabelText('種別'), '区役所');
    await user.type(within(form).getByLabelText('表示順'), '20');
    await user.click(within(form).getByRole('button', { name: '追加する' }));

    const name = within(form).getByLabelText('名称');
    await waitFor(() => expect(name).toHaveAttribute('aria-invalid', 'true'));
    expect(name).toHaveAccessibleDescription('入力されていないか、文字数が多すぎます。');
    expect(name).toHaveFocus();
    expect(name).toHaveValue('八幡西区役所');
    expect(within(form).getByLabelText('種別')).toHaveValue('ward_office');
    expect(within(form).getByLabelText('表示順')).toHaveValue(20);
    expect(within(form).getByLabelText('表示順')).not.toHaveAttribute('aria-invalid');
    expect(calls.find((c) => c.method === 'POST' && c.path === '/api/v1/bureaus')?.body).toBe(
      '{"name":"八幡西区役所","kind":"ward_office","sort_order":20}',
    );
  });

  it('reloads the bureau after a 412 and sends the new version on the next save', async () => {
    let stored = mayorsOffice;
    const ifMatches: (string | null)[] = [];
    const { fetch } = server({
      'GET /api/v1/bureaus': () => json([stored]),
      'PATCH /api/v1/bureaus/1': async (request) => {
        ifMatches.push(request.headers.get('If-Match'));
        if (request.headers.get('If-Match') !== `"${stored.version}"`) {
          return problem(412, 'precondition_failed', 'Precondition failed');
        }
        stored = { ...stored, ...((await request.json()) as Partial<BureauOut>), version: stored.version + 1 };
        return json(stored);
      },
    });
    renderApp('/organization?as_of=2026-04-01', fetch);

    const user = await openBureau(/市長公室/);
    await user.click(await screen.findByRole('button', { name: '市長公室を編集' }));
    const form = screen.getByRole('form', { name: '市長公室を編集' });
    expect(within(form).getByTestId('bureau-version')).toHaveTextContent('表示中の版: 2');
    // Meanwhile someone else saves the bureau.
    stored = { ...stored, sort_order: 5, version: 3 };
    const order = within(form).getByLabelText('表示順');
    await user.clear(order);
    await user.type(order, '7');
    await user.click(within(form).getByRole('button', { name: '保存する' }));

    expect(await within(form).findByRole('alert')).toHaveTextContent(
      'ほかの人がこの局・区を先に変更しました。最新の内容を読み込みました。',
    );
    await waitFor(() => expect(within(form).getByTestId('bureau-version')).toHaveTextContent('表示中の版: 3'));
    expect(order).toHaveValue(7);

    await user.click(within(form).getByRole('button', { name: '保存する' }));

    expect(await screen.findByText('「市長公室」を保存しました。')).toBeInTheDocument();
    expect(ifMatches).toEqual(['"2"', '"3"']);
    expect(await screen.findByRole('button', { name: '市長公室を編集' })).toHaveFocus();
  });
});
