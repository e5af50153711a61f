import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, tokenOut, viewerUser, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import type { ReformOut } from './api';
import { bureauEditor, reform } from '../../test/fixtures/reforms';

function detailServer(body: ReformOut, extra: Record<string, Handler> = {}, user = tokenOut('token-6', bureauEditor)) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    'GET /api/v1/reforms/7': () => json(body),
    ...extra,
  });
}

describe('the reform detail', () => {
  it('shows the read period with the text as written, the effects and the links', async () => {
    const { fetch } = detailServer(
      reform({
        classification: 'iii',
        source_proposal_id: 12,
        links: [
          {
            id: 3,
            kind: 'proposal',
            kind_label: '課題提案',
            entity_id: 12,
            title: '区役所の窓口が混雑して待ち時間が長い',
            bureau_name: null,
            direction: 'incoming',
            origin: 'classification',
            path: '/proposals/12',
            can_delete: false,
          },
        ],
      }),
    );
    renderApp('/reforms/7', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '区役所窓口のオンライン予約' })).toBeInTheDocument();
    expect(screen.getByTestId('reform-period')).toHaveTextContent('令和7年4月～令和8年2月');
    expect(screen.getByText('記載: R7.4~ R8.2')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '八幡西区役所' })).toHaveAttribute('href', '/bureaus/5');
    expect(screen.getByRole('link', { name: '課題提案 12' })).toHaveAttribute('href', '/proposals/12');

    const effects = screen.getByRole('table', { name: '「区役所窓口のオンライン予約」の効果の数値' });
    const row = within(effects).getByRole('row', { name: /削減時間/ });
    expect(within(row).getByRole('rowheader')).toHaveTextContent('削減時間（年間）');
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(['1,200 時間/年', '1件10分 × 年7,200件']);

    expect(screen.getByRole('link', { name: '区役所の窓口が混雑して待ち時間が長い' })).toHaveAttribute('href', '/proposals/12');
    expect(screen.getByRole('link', { name: '編集' })).toHaveAttribute('href', '/reforms/7/edit');
  });

  it('deletes the reform with If-Match only after a second confirmation', async () => {
    const deletes: (string | null)[] = [];
    const { fetch } = detailServer(reform(), {
      'DELETE /api/v1/reforms/7': (request) => {
        deletes.push(request.headers.get('If-Match'));
        return new Response(null, { status: 204 });
      },
      'GET /api/v1/reforms': () => json({ items: [], total: 0, page: 1, per_page: 50 }),
      'GET /api/v1/bureaus': () => json([]),
      'GET /api/v1/sections': () => json([]),
    });
    const { router } = renderApp('/reforms/7', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'この取組を削除' }));
    expect(deletes).toEqual([]);
    const confirm = screen.getByRole('button', { name: '削除する' });
    expect(confirm).toHaveFocus();
    expect(confirm).toHaveAccessibleDescription('「区役所窓口のオンライン予約」を削除します。元に戻せません。よろしいですか？');

    await user.click(screen.getByRole('button', { name: 'キャンセル' }));
    expect(screen.getByRole('button', { name: 'この取組を削除' })).toHaveFocus();

    await user.click(screen.getByRole('button', { name: 'この取組を削除' }));
    await user.click(screen.getByRole('button', { name: '削除する' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/reforms'));
    expect(deletes).toEqual(['"4"']);
    expect(await screen.findByTestId('reform-list-announcement')).toHaveTextContent(
      '自主改革の取組「区役所窓口のオンライン予約」を削除しました。',
    );
  });

  it('offers a reader neither editing nor deleting', async () => {
    const { fetch } = detailServer(reform({ can_edit: false }), {}, tokenOut('token-3', viewerUser));
    renderApp('/reforms/7', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '区役所窓口のオンライン予約' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: '編集' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'この取組を削除' })).not.toBeInTheDocument();
  });
});
