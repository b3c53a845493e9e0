import { defineConfig } from 'vite';

const server = process.env.TANDEM_URL ?? 'http://127.0.0.1:4321';

export default defineConfig({
  resolve: {
    // Compile the workspace packages from their TypeScript sources: no `tsc -b` needed first.
    conditions: ['source', 'import', 'module', 'browser', 'default'],
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  server: {
    // `npm run dev -w @tandem/demo` next to a running `tandem serve`.
    proxy: {
      '/auth': server,
      '/sessions': server,
      '/rooms': { target: server, ws: true },
      '/join': { target: server, ws: true },
    },
  },
});
