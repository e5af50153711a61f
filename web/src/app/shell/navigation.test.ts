import { describe, expect, it } from 'vitest';
import { navItemsFor } from './navigation';

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
