import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, viewerUser, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { bureauEditor, organizationRoutes, period, reform } from '../../test/fixtures/reforms';

function formServer(extra: Record<string, Handler>, user = tokenOut('token-6', bureauEditor)) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    ...organizationRoutes,
    'GET /api/v1/wareki/parse': (request) => json(period(new URL(request.url).searchParams.get('text') ?? '')),
    ...extra,
  });
}

describe('the new-reform form', () => {
  it('sends the reform as entered, with the bureau from the address, and opens it', async () => {
    const bodies: unknown[] = [];
    const created = reform({ id: 42 });
    const { fetch } = formServer({
      'POST /api/v1/reforms': async (request) => {
        bodies.push(await request.json());
        return json(created, 201);
      },
      'GET /api/v1/reforms/42': () => json(created),
    });
    const { router } = renderApp('/reforms/new?bureau_id=5', fetch);
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { level: 1, name: '自主改革の取組を登録' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText(/^局・区/)).toHaveValue('5'));
    await user.selectOptions(screen.getByLabelText(/^年度/), '令和7年度');
    await user.click(await screen.findByRole('checkbox', { name: '市民課' }));
    await user.type(screen.getByLabelText('レポートの番号'), '101');
    const sections = screen.getByRole('group', { name: '担当課' });
    expect(within(sections).getAllByRole('checkbox').map((c) => c.nextSibling?.textContent)).toEqual(['総務企画課', '市民課']);

    // The source proposal is asked for class iii only.
    expect(screen.queryByLabelText('元になった課題提案')).not.toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'iii（プラチナPTの提案から）' }));
    await user.type(screen.getByLabelText('元になった課題提案'), '12');

    // Long texts are pasted: typing them key by key only makes the test slow.
    await user.click(screen.getByLabelText(/^取組名/));
    await user.paste('区役所窓口のオンライン予約');
    await user.click(screen.getByLabelText('課題'));
    await user.paste('窓口の待ち時間が長い');
    await user.click(screen.getByLabelText('取組'));
    await user.paste('オンライン予約を導入');
    const periodInput = screen.getByLabelText('実施（予定）時期');
    await user.type(periodInput, 'R7.4~ R8.2');
    await waitFor(() => expect(screen.getByTestId('period-preview')).toHaveTextContent('読み取り結果: 令和7年4月～令和8年2月'));
    expect(periodInput).toHaveAccessibleDescription(/読み取り結果: 令和7年4月～令和8年2月/);

    const tags = screen.getByLabelText('タグ');
    await user.type(tags, 'kintone{Enter}');
    await user.type(tags, 'AI、ペーパーレス、');
    expect(within(screen.getByRole('list', { name: '追加したタグ' })).getAllByRole('listitem').map((li) => li.firstChild?.textContent)).toEqual([
      'kintone',
      'AI',
      'ペーパーレス',
    ]);
    await user.click(screen.getByRole('button', { name: 'タグ「AI」を削除' }));
    await user.click(screen.getByRole('checkbox', { name: '注目の取組' }));

    await user.click(screen.getByRole('button', { name: '効果の数値を追加' }));
    const row = screen.getByRole('group', { name: '効果 1' });
    expect(within(row).getByLabelText('種類')).toHaveFocus();
    await user.selectOptions(within(row).getByLabelText('種類'), '削減枚数（年間）');
    expect(within(row).getByLabelText(/^単位/)).toHaveValue('枚/年');
    await user.type(within(row).getByLabelText(/^数値/), '3000');
    await user.click(within(row).getByLabelText('算定の根拠'));
    await user.paste('申請書の電子化');

    await user.click(screen.getByRole('button', { name: '登録する' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/reforms/42'));
    expect(bodies).toEqual([
      {
        fiscal_year: 2025,
        bureau_id: 5,
        section_ids: [12],
        report_number: 101,
        classification: 'iii',
        source_proposal_id: 12,
        title: '区役所窓口のオンライン予約',
        problem: '窓口の待ち時間が長い',
        action: 'オンライン予約を導入',
        effect: null,
        period: 'R7.4~ R8.2',
        status: null,
        tags: ['kintone', 'ペーパーレス'],
        featured: true,
        effects: [{ kind: 'sheets_per_year', value: 3000, unit: '枚/年', basis: '申請書の電子化' }],
      },
    ]);
    expect(await screen.findByTestId('reform-announcement')).toHaveTextContent(
      '自主改革の取組「区役所窓口のオンライン予約」を登録しました。',
    );
    // The longest walk through the form: more time than the default when the machine is busy.
  }, 15_000);

  it('empties the chosen sections when the bureau changes', async () => {
    const { fetch } = formServer({});
    renderApp('/reforms/new?bureau_id=5', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('checkbox', { name: '総務企画課' }));
    await user.selectOptions(screen.getByLabelText(/^局・区/), 'デジタル市役所推進室');
    const sections = screen.getByRole('group', { name: '担当課' });
    await waitFor(() => expect(within(sections).getAllByRole('checkbox')).toHaveLength(1));
    expect(within(sections).getByRole('checkbox', { name: 'DX推進課' })).not.toBeChecked();
  });

  it('shows the server’s field errors next to their fields, an effect row’s too, and keeps the input', async () => {
    const { fetch } = formServer({
      'POST /api/v1/reforms': () =>
        problem(422, 'validation_failed', 'Validation failed', {
          errors: [
            { pointer: '/title', location: 'body', code: 'too_long', message: 'must be at most 200 characters' },
            { pointer: '/effects/0/unit', location: 'body', code: 'too_long', message: 'must be at most 20 characters' },
          ],
        }),
    });
    const { router } = renderApp('/reforms/new?bureau_id=5', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('radio', { name: 'ii（通常業務）' }));
    await user.type(screen.getByLabelText(/^取組名/), '長すぎる取組名');
    await user.click(screen.getByRole('button', { name: '効果の数値を追加' }));
    const row = screen.getByRole('group', { name: '効果 1' });
    await user.type(within(row).getByLabelText(/^数値/), '10');
    await user.click(screen.getByRole('button', { name: '登録する' }));

    const title = screen.getByLabelText(/^取組名/);
    await waitFor(() => expect(title).toHaveAttribute('aria-invalid', 'true'));
    expect(title).toHaveAccessibleDescription('文字数が多すぎます。');
    expect(title).toHaveFocus();
    expect(title).toHaveValue('長すぎる取組名');
    expect(within(row).getByLabelText(/^単位/)).toHaveAttribute('aria-invalid', 'true');
    expect(within(row).getByLabelText(/^単位/)).toHaveAccessibleDescription('文字数が多すぎます。');
    expect(screen.getAllByRole('alert').some((a) => a.textContent?.includes('入力内容を確認してください。'))).toBe(true);
    expect(router.state.location.pathname).toBe('/reforms/new');
  });

  it('asks for the required choices before sending anything', async () => {
    const { fetch, calls } = formServer({});
    renderApp('/reforms/new', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '登録する' }));

    expect(await screen.findByLabelText(/^局・区/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/^局・区/)).toHaveFocus();
    expect(screen.getByLabelText(/^取組名/)).toHaveAccessibleDescription('入力してください。');
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/reforms')).toBe(false);
  });

  it('tells a viewer they may not register reforms', async () => {
    const { fetch } = formServer({}, tokenOut('token-3', viewerUser));
    renderApp('/reforms/new', fetch);

    expect(await screen.findByText('自主改革の取組を登録する権限がありません。')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: '登録する' })).not.toBeInTheDocument();
  });
});

describe('the reform edit form', () => {
  it('starts from the saved reform and sends it with If-Match', async () => {
    const requests: { ifMatch: string | null; body: unknown }[] = [];
    let current = reform();
    const { fetch } = formServer({
      'GET /api/v1/reforms/7': () => json(current, 200, { ETag: `"${current.version}"` }),
      'PUT /api/v1/reforms/7': async (request) => {
        requests.push({ ifMatch: request.headers.get('If-Match'), body: await request.json() });
        current = reform({ title: '窓口のオンライン予約（全区）', version: 5 });
        return json(current);
      },
    });
    const { router } = renderApp('/reforms/7/edit', fetch);
    const user = userEvent.setup();

    const title = await screen.findByLabelText(/^取組名/);
    expect(title).toHaveValue('区役所窓口のオンライン予約');
    expect(screen.getByLabelText('実施（予定）時期')).toHaveValue('R7.4~ R8.2');
    expect(screen.getByLabelText(/^状況/)).toHaveValue('done');
    expect(await screen.findByRole('checkbox', { name: '総務企画課' })).toBeChecked();
    expect(within(screen.getByRole('group', { name: '効果 1' })).getByLabelText(/^数値/)).toHaveValue('1200');

    await user.clear(title);
    await user.type(title, '窓口のオンライン予約（全区）');
    await user.click(screen.getByRole('button', { name: '保存する' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/reforms/7'));
    expect(requests).toHaveLength(1);
    expect(requests[0]?.ifMatch).toBe('"4"');
    expect(requests[0]?.body).toMatchObject({
      title: '窓口のオンライン予約（全区）',
      bureau_id: 5,
      section_ids: [11],
      classification: 'ii',
      source_proposal_id: null,
      period: 'R7.4~ R8.2',
      status: 'done',
      tags: ['kintone', 'ペーパーレス'],
      effects: [{ kind: 'hours_per_year', value: 1200, unit: '時間/年', basis: '1件10分 × 年7,200件' }],
    });
    expect(await screen.findByTestId('reform-announcement')).toHaveTextContent('変更を保存しました。');
  });

  it('explains a 412 and reloads the reform someone else saved', async () => {
    let version = 4;
    const { fetch } = formServer({
      'GET /api/v1/reforms/7': () => json(reform({ version, title: version === 4 ? '区役所窓口のオンライン予約' : '別の人の変更' })),
      'PUT /api/v1/reforms/7': () => {
        version = 5;
        return problem(412, 'precondition_failed', 'Precondition Failed');
      },
    });
    renderApp('/reforms/7/edit', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '保存する' }));

    await waitFor(() =>
      expect(screen.getAllByRole('alert').some((a) => a.textContent?.includes('ほかの人が先に更新しました。'))).toBe(true),
    );
    await waitFor(() => expect(screen.getByLabelText(/^取組名/)).toHaveValue('別の人の変更'));
  });

  it('says why when the bureau list cannot be loaded instead of waiting for ever', async () => {
    const { fetch } = formServer({
      'GET /api/v1/reforms/7': () => json(reform({})),
      'GET /api/v1/bureaus': () => problem(403, 'forbidden', 'Forbidden'),
    });
    renderApp('/reforms/7/edit', fetch);

    expect(await screen.findByRole('alert')).toHaveTextContent('この操作を行う権限がありません');
    expect(screen.queryByRole('button', { name: '保存する' })).not.toBeInTheDocument();
    expect(screen.queryByText('読み込み中…')).not.toBeInTheDocument();
  });
});
