import { defineConfig } from 'vite';

const server = process.env.TANDEM_URL ?? 'http://127.0.0.1:4321';

export default defineConfig({
  resolve: {
    // Compile the workspace packages from their TypeScript sources: no `tsc -b` needed first.
    conditions: ['source', 'import', 'module', 'browser', 'default'],
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      onwarn(warning, warn) {
        // @tandem/react marks its modules "use client" for React Server Components frameworks; a
        // plain browser bundle has no server side, so the directive means nothing here.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
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
