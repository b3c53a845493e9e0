#!/usr/bin/env node
// Committed launcher so npm can link the `tandem` command at install time, before `dist/` is built.
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('cli.js')) {
    process.stderr.write('tandem: the server is not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  throw error;
}
