import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, viewerUser } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { fiscalYearOf, todayInTokyo } from '../../lib/dates';
import { proposal, proposerUser, team2025, team2026 } from '../../test/fixtures/proposals';

function period(text: string) {
  if (text === 'R8.3~') {
    return {
      original: text,
      structured: true,
      start: { precision: 'month', earliest: '2026-03-01', latest: '2026-03-31' },
      end: null,
      open_ended: true,
      status: null,
      display: '令和8年3月～',
    };
  }
  return { original: text, structured: false, start: null, end: null, open_ended: false, status: null, display: text };
}

function intakeServer(create: (request: Request) => Response | Promise<Response>) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-2', proposerUser)),
    'GET /api/v1/project-teams': () => json([team2025, team2026]),
    'GET /api/v1/wareki/parse': (request) => json(period(new URL(request.url).searchParams.get('text') ?? '')),
    'POST /api/v1/proposals': create,
  });
}

describe('the new-proposal form', () => {
  it('previews how the outcome date will be read as it is typed', async () => {
    const { fetch } = intakeServer(() => json(proposal(), 201));
    renderApp('/proposals/new', fetch);
    const user = userEvent.setup();

    const outcome = await screen.findByLabelText('実施時期');
    await user.type(outcome, 'R8.3~');
    await waitFor(() => expect(screen.getByTestId('outcome-preview')).toHaveTextContent('読み取り結果: 令和8年3月～'));
    expect(outcome).toHaveAccessibleDescription(/読み取り結果: 令和8年3月～/);

    await user.clear(outcome);
    await user.type(outcome, 'そのうち');
    await waitFor(() =>
      expect(screen.getByTestId('outcome-preview')).toHaveTextContent('読み取れない日付です（そのまま保存されます）'),
    );
  });

  it('shows a field error of a 422 next to its field and keeps what was typed', async () => {
    const bodies: unknown[] = [];
    const { fetch } = intakeServer(async (request) => {
      bodies.push(await request.json());
      return problem(422, 'validation_failed', 'Validation failed', {
        errors: [{ pointer: '/title', location: 'body', code: 'too_long', message: 'must be at most 200 characters' }],
      });
    });
    const { router } = renderApp('/proposals/new', fetch);
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { level: 1, name: '新規提案' })).toBeInTheDocument();
    // The current fiscal year (April–March in Japan) is chosen when its team exists, else the latest.
    const current = fiscalYearOf(todayInTokyo());
    const expectedYear = current === 2025 || current === 2026 ? current : 2026;
    expect(await screen.findByLabelText(/^年度/)).toHaveValue(String(expectedYear));
    await user.selectOptions(screen.getByLabelText(/^テーマ/), 'ユーザーの困りごと');
    await user.type(screen.getByLabelText(/^課題名/), '区役所の窓口が混雑して待ち時間が長い');
    await user.type(screen.getByLabelText('困りごと'), '窓口で長く待たされる');
    await user.type(screen.getByLabelText('実施時期'), 'R8.3~');
    await user.click(screen.getByRole('button', { name: '提案する' }));

    const title = screen.getByLabelText(/^課題名/);
    await waitFor(() => expect(title).toHaveAttribute('aria-invalid', 'true'));
    expect(title).toHaveAccessibleDescription('文字数が多すぎます。');
    expect(title).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveTextContent('入力内容を確認してください。');
    expect(title).toHaveValue('区役所の窓口が混雑して待ち時間が長い');
    expect(screen.getByLabelText('困りごと')).toHaveValue('窓口で長く待たされる');
    expect(screen.getByLabelText('実施時期')).toHaveValue('R8.3~');
    expect(screen.getByLabelText(/^テーマ/)).toHaveValue('ユーザーの困りごと');
    expect(router.state.location.pathname).toBe('/proposals/new');
    expect(bodies[0]).toMatchObject({
      fiscal_year: expectedYear,
      theme: 'ユーザーの困りごと',
      title: '区役所の窓口が混雑して待ち時間が長い',
      pain_point: '窓口で長く待たされる',
      outcome_period: 'R8.3~',
      scene: null,
    });
  });

  it('opens the new proposal with a confirmation once the server accepts it', async () => {
    const created = proposal({ id: 42, assignments: [], stage: null, stage_label: null });
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-2', proposerUser)),
      'GET /api/v1/project-teams': () => json([team2025, team2026]),
      'POST /api/v1/proposals': () => json(created, 201),
      'GET /api/v1/proposals/42': () => json(created),
      'GET /api/v1/proposals/42/history': () => json([]),
      'GET /api/v1/proposals/42/consultations': () => json([]),
    });
    const { router } = renderApp('/proposals/new', fetch);
    const user = userEvent.setup();

    await user.selectOptions(await screen.findByLabelText(/^テーマ/), 'ユーザーの困りごと');
    await user.type(screen.getByLabelText(/^課題名/), created.title);
    await user.click(screen.getByRole('button', { name: '提案する' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/proposals/42'));
    expect(await screen.findByTestId('proposal-announcement')).toHaveTextContent(
      `課題提案「${created.title}」を登録しました。`,
    );
    expect(await screen.findByText('まだ所管課に提示されていません。')).toBeInTheDocument();
  });

  it('tells a viewer they may not register proposals', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-3', viewerUser)),
      'GET /api/v1/project-teams': () => json([team2025]),
    });
    renderApp('/proposals/new', fetch);

    expect(await screen.findByText('課題提案を登録する権限がありません。')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: '提案する' })).not.toBeInTheDocument();
  });
});
