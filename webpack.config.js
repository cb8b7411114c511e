/**
 * Builds the amoCRM widget: widget/src/script.tsx → dist/widget/script.js.
 *
 * amoCRM loads script.js with RequireJS, so the output is one anonymous AMD module
 * (`define(["jquery"], factory)`) whose factory returns the default export — the `Widget` constructor.
 * `jquery` and `underscore` are the page's own AMD modules (externals, never bundled); Preact is bundled.
 * Everything is in that one file: no split chunks, no dynamic imports, no runtime publicPath fetches —
 * amoCRM only serves what is in widget.zip. CSS is bundled as a string (`asset/source`) and injected
 * by the widget into one <style id="amop-styles"> (widget/src/mounts.ts), so there is no style.css.
 *
 * The manifest, i18n files and images are emitted next to script.js (WidgetFilesPlugin), so dist/widget/
 * is the complete unpacked widget the dev host page serves, also under `--watch`.
 *
 * `npm run build:widget` runs this and then scripts/pack-widget.js (validates, zips → dist/widget.zip).
 * During development: `webpack --mode development --watch` (inline source maps) and reload /dev/host/.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const webpack = require('webpack');

const MANIFEST_DIR = path.resolve(__dirname, 'manifest');

/**
 * Emits manifest.json, i18n/*.json and images/* next to script.js, so dist/widget/ is a complete
 * unpacked widget after any webpack run — including `--watch`, where `output.clean` would otherwise
 * delete the files pack-widget.js copied, and where an edited i18n file should trigger a rebuild.
 */
class WidgetFilesPlugin {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('WidgetFilesPlugin', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'WidgetFilesPlugin', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          const files = [['manifest.json', path.join(MANIFEST_DIR, 'manifest.json')]];
          for (const dir of ['i18n', 'images']) {
            const abs = path.join(MANIFEST_DIR, dir);
            compilation.contextDependencies.add(abs);
            for (const name of fs.readdirSync(abs).sort())
              files.push([`${dir}/${name}`, path.join(abs, name)]);
          }
          for (const [name, file] of files) {
            compilation.fileDependencies.add(file);
            compilation.emitAsset(name, new webpack.sources.RawSource(fs.readFileSync(file)));
          }
        },
      );
    });
  }
}

/** Host-provided AMD modules (AMOCRM.md). Import one of these and it becomes a `define` dependency. */
const HOST_AMD_MODULES = ['jquery', 'underscore', 'twigjs', 'moment', 'lib/components/base/modal'];

/**
 * The server's public address, baked into script.js so a partner installs the widget with nothing to type
 * (the `backend_url` setting only overrides it). Unset: the widget needs that setting (or the dev host page).
 */
function publicUrl() {
  const raw = (process.env.PUBLIC_URL ?? '').trim().replace(/\/+$/, '');
  if (raw && !/^https?:\/\/[^/\s]+(\/\S*)?$/i.test(raw)) {
    throw new Error(
      `PUBLIC_URL must be the server's origin, like https://partners.example.ru (got "${raw}")`,
    );
  }
  return raw;
}

module.exports = (_env, argv = {}) => {
  const production = (argv.mode ?? 'production') === 'production';
  return {
    mode: production ? 'production' : 'development',
    target: ['web', 'es2020'],
    entry: { script: './widget/src/script.tsx' },
    output: {
      path: path.resolve(__dirname, 'dist/widget'),
      filename: 'script.js',
      library: { type: 'amd', export: 'default' },
      // Everything lives in script.js; nothing is ever fetched relative to a public path.
      publicPath: '',
      asyncChunks: false,
      chunkLoading: false,
      wasmLoading: false,
      workerChunkLoading: false,
      clean: true,
    },
    externalsType: 'amd',
    externals: Object.fromEntries(HOST_AMD_MODULES.map((name) => [name, name])),
    resolve: {
      extensions: ['.tsx', '.ts', '.mjs', '.js', '.json'],
    },
    module: {
      rules: [
        {
          test: /\.[cm]?[jt]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              // The repo's .swcrc targets Node (CommonJS); webpack needs ES modules to tree-shake.
              swcrc: false,
              jsc: {
                parser: { syntax: 'typescript', tsx: true },
                target: 'es2020',
                transform: {
                  react: { runtime: 'automatic', importSource: 'preact', development: !production },
                },
              },
              module: { type: 'es6' },
              sourceMaps: !production,
            },
          },
        },
        { test: /\.css$/, type: 'asset/source' },
      ],
    },
    plugins: [
      new webpack.optimize.LimitChunkCountPlugin({ maxChunks: 1 }),
      new WidgetFilesPlugin(),
      new webpack.DefinePlugin({ __AMOP_PUBLIC_URL__: JSON.stringify(publicUrl()) }),
      // Says which PUBLIC_URL the output was built for, next to it (dist/widget → dist/widget-build.json);
      // the tests rebuild dist/widget when it is not theirs.
      {
        apply: (compiler) =>
          compiler.hooks.done.tap('BuildInfo', () =>
            fs.writeFileSync(
              `${compiler.options.output.path}-build.json`,
              JSON.stringify({ publicUrl: publicUrl() }) + '\n',
            ),
          ),
      },
    ],
    optimization: {
      splitChunks: false,
      runtimeChunk: false,
    },
    // Inline maps in development (the host page loads script.js through its AMD loader); none in the zip.
    devtool: production ? false : 'inline-source-map',
    performance: {
      // The real budget (48 KB gzipped) is checked by test/widget/widget-archive.test.ts.
      hints: production ? 'error' : false,
      maxEntrypointSize: 160 * 1024,
      maxAssetSize: 160 * 1024,
      assetFilter: (name) => name === 'script.js',
    },
    stats: 'errors-warnings',
  };
};
