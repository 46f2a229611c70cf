#!/usr/bin/env node
// The CLI is compiled TypeScript: a checkout builds it with `npm run build` (or scripts/setup.sh); the npm pack
// tarball carries it (prepack).
import('../lib/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('lib/src/cli/main.js')) {
    console.error('vfmigrate is not built yet: run `npm run build` in the checkout first.');
    process.exit(2);
  }
  throw err;
});
