import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The chat web app, built into web/dist: served at `/` by every runtime (Node, Bun and Deno through
 * Hono's serveStatic, Workers through `[assets]` in wrangler.toml). Everything it loads is in that
 * folder: no CDN, no web fonts from elsewhere, no inline script (the pages' CSP is `default-src 'self'`).
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Small files stay files: a data: URL in the CSS would need a wider CSP.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    // One chunk of about 535 KB (156 KB gzipped: React, the AI SDK's chat client with zod, Markdown);
    // the README gives the figures. Warn only if it grows past that.
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev:web`: the app with hot reload, talking to the API of `npm run dev` on its port.
    proxy: { '/api': 'http://127.0.0.1:8787', '/health': 'http://127.0.0.1:8787' },
  },
});
