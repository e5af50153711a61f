import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RouterProvider, createMemoryRouter } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { AppProviders } from '../../test/providers';
import { createApiClient, dataOf, useApi } from '../../lib/api';
import { fakeFetch, json, problem, tokenOut, type Handler } from '../../test/http';
import { LinksPanel, type LinkOut } from './LinksPanel';

function link(overrides: Partial<LinkOut> = {}): LinkOut {
  return {
    id: 31,
    kind: 'proposal',
    kind_label: '課題提案',
    entity_id: 7,
    title: '区役所の窓口が混雑して待ち時間が長い',
    bureau_name: '八幡西区役所',
    direction: 'incoming',
    origin: 'manual',
    path: '/proposals/7',
    can_delete: true,
    note: null,
    ...overrides,
  };
}

const fromProposal = link();
const derivedProposal = link({
  id: null,
  entity_id: 8,
  title: '申請書の押印を廃止してほしい',
  origin: 'classification',
  path: '/proposals/8',
  can_delete: false,
});
const toSystem = link({
  id: 32,
  kind: 'digital_system',
  kind_label: 'システム',
  entity_id: 3,
  title: '子ども受付ルーム予約システム',
  bureau_name: 'デジタル市役所推進室',
  direction: 'outgoing',
  path: '/digital-systems/3',
});

/** Renders the panel for 自主改革 5 the way a detail page does: links from the record's query. */
function renderPanel(
  routes: Record<string, Handler>,
  { canEdit = true, onChanged }: { canEdit?: boolean; onChanged?: () => void } = {},
) {
  const fake = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
    ...routes,
  });
  function Harness() {
    const api = useApi();
    const reform = useQuery({
      queryKey: ['test-reform', 5],
      queryFn: async () => dataOf(await api.client.GET('/api/v1/reforms/{id}', { params: { path: { id: 5 } } })),
    });
    if (!reform.data) return <p>loading</p>;
    return (
      <main>
        <h1>{reform.data.title}</h1>
        <LinksPanel kind="reform" id={5} links={reform.data.links ?? []} canEdit={canEdit} onChanged={onChanged} />
      </main>
    );
  }
  const api = createApiClient({ baseUrl: 'http://localhost', fetch: fake.fetch });
  const router = createMemoryRouter([{ path: '/reforms/:id', element: <Harness /> }], {
    initialEntries: ['/reforms/5'],
  });
  render(
    <AppProviders api={api}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return fake;
}

function reformWith(links: LinkOut[]) {
  return { id: 5, title: '窓口予約の導入', links, can_edit: true, version: 1 };
}

describe('the links panel', () => {
  it('lists what the work came from and what it leads to, with kind, link and bureau', async () => {
    renderPanel({ 'GET /api/v1/reforms/5': () => json(reformWith([fromProposal, toSystem])) });

    const incoming = await screen.findByRole('list', { name: 'この取組の元になったもの' });
    const outgoing = screen.getByRole('list', { name: 'つながる先' });

    const item = within(incoming).getByRole('listitem');
    expect(item).toHaveTextContent('課題提案');
    expect(item).toHaveTextContent('（八幡西区役所）');
    expect(within(item).getByRole('link', { name: fromProposal.title })).toHaveAttribute('href', '/proposals/7');

    const next = within(outgoing).getByRole('listitem');
    expect(next).toHaveTextContent('システム');
    expect(within(next).getByRole('link', { name: toSystem.title })).toHaveAttribute('href', '/digital-systems/3');
  });

  it('offers no removal or adding to a viewer, and never removes a derived link', async () => {
    renderPanel(
      { 'GET /api/v1/reforms/5': () => json(reformWith([fromProposal, derivedProposal, toSystem])) },
      { canEdit: false },
    );
    await screen.findByRole('list', { name: 'この取組の元になったもの' });
    expect(screen.queryByRole('button', { name: /関連を削除/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('form', { name: '関連を追加' })).not.toBeInTheDocument();
  });

  it('lets an editor remove a manual link after confirming, but not the derived one', async () => {
    const deleted: string[] = [];
    let links = [fromProposal, derivedProposal, toSystem];
    const onChanged = vi.fn();
    renderPanel(
      {
        'GET /api/v1/reforms/5': () => json(reformWith(links)),
        'DELETE /api/v1/links/31': (request) => {
          deleted.push(new URL(request.url).pathname);
          links = [derivedProposal, toSystem];
          return new Response(null, { status: 204 });
        },
      },
      { onChanged },
    );
    const user = userEvent.setup();

    const incoming = await screen.findByRole('list', { name: 'この取組の元になったもの' });
    const derived = within(incoming).getAllByRole('listitem')[1]!;
    expect(derived).toHaveTextContent('分類iiiの提案元として自動で関連付け');
    expect(within(derived).queryByRole('button')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: `「${fromProposal.title}」との関連を削除` }));
    expect(deleted).toEqual([]);
    const confirm = screen.getByRole('group', { name: '関連の削除の確認' });
    expect(within(confirm).getByRole('button', { name: '削除する' })).toHaveFocus();
    await user.click(within(confirm).getByRole('button', { name: '削除する' }));

    await waitFor(() => expect(screen.getByTestId('links-announcement')).toHaveTextContent('との関連を削除しました。'));
    expect(deleted).toEqual(['/api/v1/links/31']);
    await waitFor(() => expect(screen.queryByRole('link', { name: fromProposal.title })).not.toBeInTheDocument());
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('links an earlier kind as the `from` end, found by keyword, and refreshes the list', async () => {
    const bodies: unknown[] = [];
    let links = [toSystem];
    const searches: string[] = [];
    const fake = renderPanel({
      'GET /api/v1/reforms/5': () => json(reformWith(links)),
      'GET /api/v1/proposals': (request) => {
        searches.push(new URL(request.url).searchParams.get('q') ?? '');
        return json({
          items: [{ id: 7, title: fromProposal.title, assignments: [{ bureau_name: '八幡西区役所' }] }],
          total: 1,
          page: 1,
          per_page: 10,
        });
      },
      'POST /api/v1/links': async (request) => {
        bodies.push(await request.json());
        links = [fromProposal, toSystem];
        return json({ ...fromProposal }, 201);
      },
    });
    const user = userEvent.setup();

    const form = await screen.findByRole('form', { name: '関連を追加' });
    await user.selectOptions(within(form).getByLabelText('関連付ける相手の種類'), '課題提案');
    expect(within(form).getByLabelText('関連付ける相手の種類')).toHaveAccessibleDescription(
      '選んだ取組は「この取組の元になったもの」として登録されます。',
    );
    await user.type(within(form).getByLabelText('課題提案をキーワードで探す'), '窓口{Enter}');
    await user.click(await within(form).findByRole('radio', { name: /区役所の窓口が混雑/ }));
    expect(within(form).getByLabelText('課題提案のID')).toHaveValue('7');
    await user.click(within(form).getByRole('button', { name: '関連を追加' }));

    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(searches).toEqual(['窓口']);
    expect(bodies[0]).toEqual({ from_kind: 'proposal', from_id: 7, to_kind: 'reform', to_id: 5, note: null });
    expect(await screen.findByRole('link', { name: fromProposal.title })).toBeInTheDocument();
    expect(fake.calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/reforms/5').length).toBe(2);
  });

  it('links a later kind by its id as the `to` end and explains a duplicate (409)', async () => {
    const bodies: unknown[] = [];
    renderPanel({
      'GET /api/v1/reforms/5': () => json(reformWith([])),
      'GET /api/v1/kpis/12': () => json({ id: 12, name: '子ども受付ルームの利用件数' }),
      'POST /api/v1/links': async (request) => {
        bodies.push(await request.json());
        return problem(409, 'conflict', 'Conflict');
      },
    });
    const user = userEvent.setup();

    const form = await screen.findByRole('form', { name: '関連を追加' });
    await user.selectOptions(within(form).getByLabelText('関連付ける相手の種類'), 'KPI');
    expect(within(form).queryByLabelText(/キーワードで探す/)).not.toBeInTheDocument();
    await user.click(within(form).getByRole('button', { name: '関連を追加' }));
    expect(within(form).getByLabelText('KPIのID')).toHaveAttribute('aria-invalid', 'true');
    expect(bodies).toHaveLength(0);

    await user.type(within(form).getByLabelText('KPIのID'), '12');
    expect(await within(form).findByText('KPI「子ども受付ルームの利用件数」')).toBeInTheDocument();
    await user.type(within(form).getByLabelText('メモ（任意）'), '利用状況で効果を測る');
    await user.click(within(form).getByRole('button', { name: '関連を追加' }));

    await waitFor(() =>
      expect(within(form).getByRole('alert')).toHaveTextContent('この取組とはすでに関連付けられています。'),
    );
    expect(bodies[0]).toEqual({ from_kind: 'reform', from_id: 5, to_kind: 'kpi', to_id: 12, note: '利用状況で効果を測る' });
  });

  it('says when the pair may not be linked (422)', async () => {
    renderPanel({
      'GET /api/v1/reforms/5': () => json(reformWith([])),
      'POST /api/v1/links': () =>
        problem(422, 'validation_failed', 'Validation failed', {
          errors: [{ pointer: '/to_id', code: 'missing_reference', message: 'does not exist' }],
        }),
    });
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: '関連を追加' });
    await user.type(within(form).getByLabelText('X方針の課題のID'), '999');
    await user.click(within(form).getByRole('button', { name: '関連を追加' }));
    await waitFor(() => expect(within(form).getByRole('alert')).toHaveTextContent('関連付けできないか'));
  });
});
