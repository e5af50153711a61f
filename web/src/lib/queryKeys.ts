// The first element of every React Query key, one per kind of record. A write invalidates its
// root, so every screen that shows that kind refreshes; the import screen invalidates the root of
// whatever it imported without knowing the screens.
export const PROPOSALS_KEY = ['proposals'] as const;
export const REFORMS_KEY = ['reforms'] as const;
export const LEDGER_KEY = ['digital-systems'] as const;
export const POLICIES_KEY = ['policies'] as const;
/** Bureaus, sections and project teams: the reference data every form and filter offers. */
export const ORGANIZATION_KEY = ['organization'] as const;
