import '@testing-library/jest-dom/vitest';
import { afterEach } from 'vitest';
import { cleanup, configure } from '@testing-library/react';
import { i18n } from '../lib/i18n';

// Screens load their code on first visit (route-level splitting) and CI shares two cores among
// several jobs: give findBy*/waitFor five seconds instead of one before they give up.
configure({ asyncUtilTimeout: 5_000 });

afterEach(async () => {
  cleanup();
  localStorage.clear();
  await i18n.changeLanguage('ja');
});
