// Lets a plain `node` child process load the server's TypeScript sources, the way Jest does with @swc/jest:
// `node -r ./test/amo/support/register.js entry.ts`. Used by the crash test to run real worker processes.
const fs = require('node:fs');
const swc = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
