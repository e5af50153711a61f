/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

// The Rust server (`platina serve`) listens here during development.
const apiTarget = process.env.PLATINA_API_URL ?? 'http://127.0.0.1:8080';

/**
 * Fontsource lists a WOFF fallback next to every WOFF2 subset; every browser we support reads
 * WOFF2, so drop the fallback and halve web/dist (fonts are self-hosted, never from a CDN).
 */
function woff2Only(): Plugin {
  return {
    name: 'platina-woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!/@fontsource[\\/].*\.css$/.test(id)) return null;
      return { code: code.replace(/,\s*url\([^)]*\.woff\)\s*format\(["']woff["']\)/g, ''), map: null };
    },
  };
}

export default defineConfig({
  plugins: [woff2Only(), react()],
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/healthz': { target: apiTarget },
      '/readyz': { target: apiTarget },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['./src/test/setup.ts'],
    restoreMocks: true,
    // Form tests type whole reforms with user-event; on a busy 2-core CI runner the 5 s default
    // has been seen to run out for a test that takes about 1 s alone.
    testTimeout: 20_000,
  },
});
