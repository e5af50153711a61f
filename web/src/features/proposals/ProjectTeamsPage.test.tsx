import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/react';
import { fakeFetch, json, tokenOut, viewerUser } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import type { ProjectTeamOut } from './api';

const BUREAUS = ['市長公室', '総務局', '財政局', '保健福祉局', '子ども家庭局', '建築都市局', '八幡西区役所'];
const USERS = 'ユーザーの困りごと';
const STAFF = '職員の困りごと';

/** Seed R7: 26 named members, 13 on each theme; the first is 北九 一郎 of 市長公室. */
const teamR7: ProjectTeamOut = {
  id: 2,
  fiscal_year: 2025,
  fiscal_year_label: '令和7年度',
  name: '令和7年度 プラチナ市役所プロジェクトチーム',
  themes: [USERS, STAFF],
  members: Array.from({ length: 26 }, (_, i) => ({
    name: i === 0 ? '北九 一郎' : `メンバー ${i + 1}`,
    bureau: BUREAUS[i % BUREAUS.length],
    theme: i < 13 ? USERS : STAFF,
  })),
  headcount: 26,
  version: 1,
};

/** Seed R6: the report gives only the headcount. */
const teamR6: ProjectTeamOut = {
  id: 1,
  fiscal_year: 2024,
  fiscal_year_label: '令和6年度',
  name: '令和6年度 プラチナ市役所プロジェクトチーム',
  themes: ['ルール', 'オフィス', 'ワークスタイル'],
  members: [],
  headcount: 29,
  version: 1,
};

/** The server answers the older year first; the page still puts the newest first. */
function teamsServer(teams: ProjectTeamOut[] = [teamR6, teamR7]) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('token-1', viewerUser)),
    'GET /api/v1/project-teams': () => json(teams),
  });
}

async function teamSection(name: RegExp | string) {
  return screen.findByRole('region', { name });
}

describe('the project teams page', () => {
  it('renders both teams newest first with their headcounts', async () => {
    const { fetch } = teamsServer();
    renderApp('/project-teams', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: 'プロジェクトチーム' })).toBeInTheDocument();
    const r7 = await teamSection('令和7年度 プラチナ市役所プロジェクトチーム');
    const headings = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent);
    expect(headings).toEqual(['令和7年度 プラチナ市役所プロジェクトチーム', '令和6年度 プラチナ市役所プロジェクトチーム']);

    const r6 = screen.getByRole('region', { name: '令和6年度 プラチナ市役所プロジェクトチーム' });
    expect(within(r7).getByText('人数').nextElementSibling).toHaveTextContent('26名');
    expect(within(r6).getByText('人数').nextElementSibling).toHaveTextContent('29名');
    expect(within(r6).getAllByRole('link').map((l) => l.textContent)).toEqual(['ルール', 'オフィス', 'ワークスタイル']);
  });

  it('groups the R7 members by theme with their 所属', async () => {
    const { fetch } = teamsServer();
    renderApp('/project-teams', fetch);

    const r7 = await teamSection('令和7年度 プラチナ市役所プロジェクトチーム');
    const tables = within(r7).getAllByRole('table');
    expect(tables.map((table) => table.querySelector('caption')?.textContent)).toEqual([
      'ユーザーの困りごと（13名）',
      '職員の困りごと（13名）',
    ]);

    const users = within(r7).getByRole('table', { name: 'ユーザーの困りごと（13名）' });
    expect(within(users).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['氏名', '所属']);
    expect(within(users).getAllByRole('columnheader')[0]).toHaveAttribute('scope', 'col');
    const rows = within(users).getAllByRole('row');
    expect(rows).toHaveLength(14);
    expect(rows[1]?.textContent).toBe('北九 一郎市長公室');

    const staff = within(r7).getByRole('table', { name: '職員の困りごと（13名）' });
    expect(within(staff).getByRole('cell', { name: 'メンバー 14' })).toBeInTheDocument();
    expect(within(users).queryByRole('cell', { name: 'メンバー 14' })).not.toBeInTheDocument();
    expect(within(r7).queryByText(/公表資料に記載がありません/)).not.toBeInTheDocument();
  });

  it('puts members without a theme under テーマ未設定', async () => {
    const team: ProjectTeamOut = {
      ...teamR7,
      members: [
        { name: '北九 一郎', bureau: '市長公室', theme: USERS },
        { name: '戸畑 三郎', bureau: null, theme: null },
      ],
      headcount: 2,
    };
    const { fetch } = teamsServer([team]);
    renderApp('/project-teams', fetch);

    const r7 = await teamSection('令和7年度 プラチナ市役所プロジェクトチーム');
    const unset = within(r7).getByRole('table', { name: 'テーマ未設定（1名）' });
    expect(within(unset).getAllByRole('row')[1]?.textContent).toBe('戸畑 三郎―');
    expect(within(r7).queryByRole('table', { name: /職員の困りごと/ })).not.toBeInTheDocument();
  });

  it('shows a note for R6, whose members the published material does not name', async () => {
    const { fetch } = teamsServer();
    renderApp('/project-teams', fetch);

    const r6 = await teamSection('令和6年度 プラチナ市役所プロジェクトチーム');
    expect(within(r6).getByText('メンバーの氏名は公表資料に記載がありません（29名）。')).toBeInTheDocument();
    expect(within(r6).queryByRole('table')).not.toBeInTheDocument();
  });

  it('links each theme to the proposal list filtered by the team’s year and that theme', async () => {
    const { fetch } = teamsServer();
    renderApp('/project-teams', fetch);

    const r7 = await teamSection('令和7年度 プラチナ市役所プロジェクトチーム');
    const link = within(r7).getByRole('link', { name: 'ユーザーの困りごと（令和7年度の課題提案の一覧）' });
    expect(link).toHaveAttribute('href', `/proposals?fiscal_year=2025&theme=${encodeURIComponent(USERS)}`);

    const r6 = screen.getByRole('region', { name: '令和6年度 プラチナ市役所プロジェクトチーム' });
    expect(within(r6).getByRole('link', { name: /^ワークスタイル/ })).toHaveAttribute(
      'href',
      `/proposals?fiscal_year=2024&theme=${encodeURIComponent('ワークスタイル')}`,
    );
  });

  it('is offered in the main menu to a viewer', async () => {
    const { fetch } = teamsServer();
    renderApp('/project-teams', fetch);

    const nav = await screen.findByRole('navigation', { name: 'メインメニュー' });
    expect(within(nav).getByRole('link', { name: 'プロジェクトチーム' })).toHaveAttribute('aria-current', 'page');
  });
});
