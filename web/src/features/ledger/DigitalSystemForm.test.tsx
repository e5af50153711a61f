import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, viewerUser, type Handler } from '../../test/http';
import { organizationRoutes, system } from '../../test/fixtures/ledger';
import { renderLedger } from './renderLedger';

function formServer(routes: Record<string, Handler>, user = tokenOut('token-1')) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    ...organizationRoutes,
    ...routes,
  });
}

async function fillRequired(user: ReturnType<typeof userEvent.setup>) {
  await user.type(await screen.findByLabelText(/^システム名/), '子ども受付ルーム予約システム');
  await user.selectOptions(screen.getByLabelText(/^局・区/), 'デジタル市役所推進室');
  const section = screen.getByLabelText(/^担当課/);
  await waitFor(() => expect(within(section).getByRole('option', { name: 'DX推進課' })).toBeInTheDocument());
  await user.selectOptions(section, 'DX推進課');
}

describe('the system form', () => {
  it('sends the body the API expects, reading figures as staff type them', async () => {
    const bodies: unknown[] = [];
    const created = system({ id: 42 });
    const { fetch } = formServer({
      'POST /api/v1/digital-systems': async (request) => {
        bodies.push(await request.json());
        return json(created, 201);
      },
      'GET /api/v1/digital-systems/42': () => json(created),
    });
    const { router } = renderLedger('/digital-systems/new', fetch);
    const user = userEvent.setup();

    await fillRequired(user);
    await user.selectOptions(screen.getByLabelText(/^基盤/), 'RPA');
    await user.click(screen.getByLabelText('職員が内製したシステム'));
    await user.click(screen.getByRole('radio', { name: '本運用' }));
    await user.type(screen.getByLabelText(/^試行開始日/), '2024-04-01');
    await user.type(screen.getByLabelText(/^本運用開始日/), '2024-10-01');
    expect(screen.queryByLabelText(/^廃止日/)).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('導入前の業務フロー'), '電話で予約を受け、紙の台帳に記入');
    await user.type(screen.getByLabelText('導入後の業務フロー'), 'フォームから予約');
    await user.type(screen.getByLabelText('年間削減時間（時間）'), '１,２００.５');
    await user.type(screen.getByLabelText('削減時間の算出根拠'), '1件10分 × 年7,200件');
    await user.type(screen.getByLabelText('効果額（円）'), '3,500,000');
    await user.click(screen.getByRole('button', { name: '登録する' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/digital-systems/42'));
    expect(bodies).toEqual([
      {
        name: '子ども受付ルーム予約システム',
        section_id: 21,
        platform: 'rpa',
        built_in_house: false,
        status: 'production',
        trial_started_on: '2024-04-01',
        production_started_on: '2024-10-01',
        retired_on: null,
        workflow_before: '電話で予約を受け、紙の台帳に記入',
        workflow_after: 'フォームから予約',
        annual_hours_saved: 1200.5,
        hours_basis: '1件10分 × 年7,200件',
        cost_effect_yen: 3500000,
        note: null,
      },
    ]);
    expect(await screen.findByTestId('system-announcement')).toHaveTextContent(
      'システム「子ども受付ルーム予約システム」を登録しました。',
    );
  });

  it('shows the server’s field error next to its field and keeps what was typed', async () => {
    const { fetch } = formServer({
      'POST /api/v1/digital-systems': () =>
        problem(422, 'validation_failed', 'Validation failed', {
          errors: [
            { pointer: '/section_id', code: 'missing_reference', message: 'section does not exist' },
            { pointer: '/name', code: 'too_long', message: 'must be at most 200 characters' },
          ],
        }),
    });
    const { router } = renderLedger('/digital-systems/new', fetch);
    const user = userEvent.setup();

    await fillRequired(user);
    await user.click(screen.getByRole('button', { name: '登録する' }));

    const name = screen.getByLabelText(/^システム名/);
    await waitFor(() => expect(name).toHaveAttribute('aria-invalid', 'true'));
    expect(name).toHaveAccessibleDescription('文字数が多すぎます。');
    expect(name).toHaveFocus();
    expect(name).toHaveValue('子ども受付ルーム予約システム');
    expect(screen.getByLabelText(/^担当課/)).toHaveAccessibleDescription('指定された参照先が存在しません。');
    expect(screen.getByRole('alert')).toHaveTextContent('入力内容を確認してください。');
    expect(router.state.location.pathname).toBe('/digital-systems/new');
  });

  it('asks for the retirement date of a retired system before sending anything', async () => {
    const { fetch, calls } = formServer({
      'POST /api/v1/digital-systems': () => json(system(), 201),
    });
    renderLedger('/digital-systems/new', fetch);
    const user = userEvent.setup();

    await fillRequired(user);
    await user.click(screen.getByRole('radio', { name: '廃止' }));
    expect(screen.getByLabelText(/^本運用開始日/)).not.toHaveAttribute('aria-required');
    await user.type(screen.getByLabelText('効果額（円）'), '12.5');
    await user.click(screen.getByRole('button', { name: '登録する' }));

    const retired = screen.getByLabelText(/^廃止日/);
    expect(retired).toHaveAttribute('aria-invalid', 'true');
    expect(retired).toHaveFocus();
    expect(screen.getByLabelText('効果額（円）')).toHaveAccessibleDescription(/円単位の整数で入力してください。/);
    expect(calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/digital-systems')).toHaveLength(0);
  });

  it('tells a viewer they may not register systems', async () => {
    const { fetch } = formServer({}, tokenOut('token-4', viewerUser));
    renderLedger('/digital-systems/new', fetch);
    expect(await screen.findByText('システムを登録する権限がありません。')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: '登録する' })).not.toBeInTheDocument();
  });

  it('saves an edit with If-Match and explains a conflicting save (412)', async () => {
    let version = 4;
    const puts: { ifMatch: string | null; body: unknown }[] = [];
    const { fetch } = formServer({
      'GET /api/v1/digital-systems/3': () =>
        json(system({ version, name: version === 5 ? '子ども受付ルーム予約（改修版）' : system().name })),
      'PUT /api/v1/digital-systems/3': async (request) => {
        puts.push({ ifMatch: request.headers.get('If-Match'), body: await request.json() });
        if (puts.length === 1) {
          version = 5;
          return problem(412, 'precondition_failed', 'Precondition failed');
        }
        return json(system({ version: 6, name: '子ども受付ルーム予約（改修版）', note: '改修済み' }));
      },
    });
    const { router } = renderLedger('/digital-systems/3/edit', fetch);
    const user = userEvent.setup();

    const form = await screen.findByRole('form', { name: '「子ども受付ルーム予約システム」の編集' });
    expect(within(form).getByLabelText(/^担当課/)).toHaveValue('21');
    expect(within(form).getByLabelText('年間削減時間（時間）')).toHaveValue('1200');
    await user.type(within(form).getByLabelText('備考'), '改修済み');
    await user.click(within(form).getByRole('button', { name: '保存する' }));

    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent('ほかの人がこのシステムを先に更新しました。'),
    );
    expect(puts[0]?.ifMatch).toBe('"4"');
    await waitFor(() => expect(screen.getByLabelText(/^システム名/)).toHaveValue('子ども受付ルーム予約（改修版）'));

    await user.type(screen.getByLabelText('備考'), '改修済み');
    await user.click(screen.getByRole('button', { name: '保存する' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/digital-systems/3'));
    expect(puts[1]?.ifMatch).toBe('"5"');
    expect(puts[1]?.body).toMatchObject({ name: '子ども受付ルーム予約（改修版）', note: '改修済み', section_id: 21 });
  });
});
