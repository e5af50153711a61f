import type { ParseKeys } from 'i18next';

/**
 * Entries of the primary navigation. Screens added later (課題提案, 自主改革, 局区X方針,
 * システム台帳, ダッシュボード) get an entry here and a route in src/app/router.tsx.
 */
export interface NavItem {
  id: string;
  labelKey: ParseKeys;
  /** Client route, or a server page when `external` is set. */
  to: string;
  /** Served by the server, not by the SPA router (full page load). */
  external?: boolean;
  /** Match the route exactly (for `/`). */
  end?: boolean;
}

export const primaryNav: readonly NavItem[] = [
  { id: 'home', labelKey: 'shell.home', to: '/', end: true },
  { id: 'organization', labelKey: 'shell.organization', to: '/organization' },
  { id: 'proposals', labelKey: 'shell.proposals', to: '/proposals' },
  { id: 'progress', labelKey: 'shell.progress', to: '/reports/proposal-progress' },
  { id: 'reforms', labelKey: 'shell.reforms', to: '/reforms' },
  { id: 'ledger', labelKey: 'shell.ledger', to: '/digital-systems' },
  { id: 'api-docs', labelKey: 'shell.apiDocs', to: '/api/docs', external: true },
];
