import { describe, expect, it } from 'vitest';
import { groupOf, navGroupsFor, navItemsFor } from './navigation';

describe('the primary navigation', () => {
  it('offers データの取り込み to administrators and editors only', () => {
    const ids = (role: Parameters<typeof navItemsFor>[0]) => navItemsFor(role).map((item) => item.id);
    expect(ids('admin')).toContain('imports');
    expect(ids('editor')).toContain('imports');
    expect(ids('proposer')).not.toContain('imports');
    expect(ids('viewer')).not.toContain('imports');
    expect(ids(undefined)).not.toContain('imports');
    expect(ids('viewer')).toContain('reforms');
  });

  it('offers ジョブ to administrators only', () => {
    expect(navItemsFor('admin').map((item) => item.id)).toContain('jobs');
    for (const role of ['editor', 'proposer', 'viewer', undefined] as const) {
      expect(navItemsFor(role).map((item) => item.id)).not.toContain('jobs');
    }
  });

  it('offers the Webhook screen to administrators alone', () => {
    const ids = (role: Parameters<typeof navItemsFor>[0]) => navItemsFor(role).map((item) => item.id);
    expect(ids('admin')).toContain('webhooks');
    for (const role of ['editor', 'proposer', 'viewer', undefined] as const) {
      expect(ids(role)).not.toContain('webhooks');
    }
  });

  it('offers プロジェクトチーム to every role, right after the proposal entries', () => {
    for (const role of ['admin', 'editor', 'proposer', 'viewer', undefined] as const) {
      const ids = navItemsFor(role).map((item) => item.id);
      expect(ids).toContain('project-teams');
      expect(ids.indexOf('project-teams')).toBe(ids.indexOf('progress') + 1);
    }
  });

  it('offers the プラチナレポート and the milestones to every role', () => {
    for (const role of ['admin', 'editor', 'proposer', 'viewer', undefined] as const) {
      const ids = navItemsFor(role).map((item) => item.id);
      expect(ids.indexOf('annual-report')).toBe(ids.indexOf('project-teams') + 1);
      expect(ids).toContain('milestones');
    }
  });
});

describe('the groups of the primary navigation', () => {
  it('shows the groups staff think in, in their order, and 管理 without データの取り込み to a viewer', () => {
    const groups = (role: Parameters<typeof navGroupsFor>[0]) =>
      navGroupsFor(role).map(({ group, items }) => `${group}:${items.map((item) => item.id).join(',')}`);
    expect(groups('admin')).toEqual([
      'proposals:proposals,progress,project-teams',
      'reports:annual-report',
      'departments:reforms,milestones',
      'registers:ledger',
      'inquiries:inbox,rounds,round-compliance',
      'admin:organization,imports,jobs,sent-mail,webhooks',
    ]);
    expect(groups('viewer')).toContain('admin:organization');
    expect(groups('editor')).toContain('admin:organization,imports');
  });

  it('leaves out a group with no entry for the person (照会 for a proposer)', () => {
    expect(navGroupsFor('admin').map(({ group }) => group)).toContain('inquiries');
    expect(navGroupsFor('proposer').map(({ group }) => group)).not.toContain('inquiries');
  });

  it('offers the inbox to those who answer and the rounds to those who read them', () => {
    const ids = (role: Parameters<typeof navItemsFor>[0]) => navItemsFor(role).map((item) => item.id);
    expect(ids('editor')).toEqual(expect.arrayContaining(['inbox', 'rounds']));
    expect(ids('viewer')).toContain('rounds');
    expect(ids('viewer')).not.toContain('inbox');
    expect(ids('viewer')).toContain('round-compliance');
    expect(ids('editor')).not.toContain('round-compliance');
    expect(groupOf('/rounds/3')).toBe('inquiries');
    expect(groupOf('/inbox/requests/9')).toBe('inquiries');
  });

  it('knows the group of a record page under its list', () => {
    expect(groupOf('/proposals/12')).toBe('proposals');
    expect(groupOf('/reports/proposal-progress')).toBe('proposals');
    expect(groupOf('/reports/annual')).toBe('reports');
    expect(groupOf('/bureaus/5')).toBe('departments');
    expect(groupOf('/kpis/3')).toBe('departments');
    expect(groupOf('/digital-systems/7/edit')).toBe('registers');
    expect(groupOf('/imports')).toBe('admin');
    expect(groupOf('/admin/jobs')).toBe('admin');
    expect(groupOf('/')).toBeUndefined();
    expect(groupOf('/proposalsx')).toBeUndefined();
  });
});
