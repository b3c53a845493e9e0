import { defineConfig } from 'vite';

// No React plugin: the automatic JSX runtime is all a production build needs.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  logLevel: 'warn',
  build: {
    rolldownOptions: {
      // '"use client"' marks React Server Components boundaries; a client-only bundle drops it.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
