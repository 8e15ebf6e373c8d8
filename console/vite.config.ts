// Vite builds the admin console (console/src) into console/dist, which Foyer serves at /console.
// `npm run console:dev` serves it with hot reload on port 5173 and passes every other path to
// Foyer (FOYER_URL, default http://localhost:3000), so the app, the admin tenant and the admin API
// share one origin, as in production; start Foyer with PUBLIC_URL=http://localhost:5173 for that
// (docs/console.md).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const foyer = process.env['FOYER_URL'] ?? 'http://localhost:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Nothing inline: the CSP lets only same-origin files run.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/console/config.json': { target: foyer },
      '^/(?!console/)': { target: foyer },
    },
  },
});
