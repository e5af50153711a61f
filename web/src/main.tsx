import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import '@fontsource/noto-sans-jp/400.css';
import '@fontsource/noto-sans-jp/700.css';
import '@digital-go-jp/design-tokens/dist/tokens.css';
import './styles/global.css';
import './styles/records.css';
import { currentLanguage } from './lib/i18n';
import { createApiClient } from './lib/api';
import { AppProviders } from './app/App';
import { createAppRouter } from './app/router';

const api = createApiClient({ baseUrl: window.location.origin, language: currentLanguage });
const router = createAppRouter();

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

createRoot(root).render(
  <StrictMode>
    <AppProviders api={api}>
      <RouterProvider router={router} />
    </AppProviders>
  </StrictMode>,
);
