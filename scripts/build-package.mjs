// Builds the package in the current directory for its two faces (package.json "exports" picks one
// by condition): dist/node/ for Node and dist/browser/ for bundlers and pages, each an ESM build
// with its entries' shared code split into chunks (one copy of every module, so the runtime's
// state is shared across entries), WGSL inlined as strings; plus .d.ts files in dist/types/.
//
// Node-only code lives in modules named *.node.ts; the browser build takes the sibling
// *.browser.ts in their place, and then fails if anything Node-only is still in its output.
// Entries: src/index.ts always; src/testing.ts and src/internals.ts when present (both builds);
// src/cli.ts (a bin) in the Node build only.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { browserTwins } from './browser-twins.mjs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
rmSync('dist', { recursive: true, force: true });
const present = (files) => files.filter((f) => existsSync(f));
const sharedEntries = present(['src/index.ts', 'src/testing.ts', 'src/internals.ts']);
const dependencies = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
// Runtime dependencies stay imports, except wgsl_reflect, whose Node entry is broken (CJS under
// "type": "module"): bundling its ESM build sidesteps that for every consumer.
const external = dependencies.filter((d) => d !== 'wgsl_reflect');
/** Dependencies only the Node build may import: Dawn, the Node image codecs, the CLI's and the hub downloader's. */
const NODE_ONLY_DEPENDENCIES = ['webgpu', 'pngjs', 'jpeg-js', 'cli-progress', '@huggingface/hub'];

const common = {
  bundle: true,
  format: 'esm',
  splitting: true,
  target: 'es2022',
  sourcemap: true,
  loader: { '.wgsl': 'text' },
  mainFields: ['module', 'main'],
  // chunks beside the entries: modules resolve the package's assets/ relative to themselves
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: [...sharedEntries, ...present(['src/cli.ts'])],
  outdir: 'dist/node',
  platform: 'node',
  external: [...external, 'node:*'],
});
await build({
  ...common,
  entryPoints: sharedEntries,
  outdir: 'dist/browser',
  platform: 'browser',
  external,
  plugins: [browserTwins],
});
checkBrowserBuild('dist/browser');

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
console.log(
  `built ${pkg.name}: ${sharedEntries.join(', ')} (node, browser)${existsSync('src/cli.ts') ? ', src/cli.ts (node)' : ''} -> dist/`,
);

/**
 * What a user's bundler would choke on, or warn about: a Node built-in, a Node-only dependency, or
 * an import() of a computed name (webpack: "Critical dependency").
 */
function checkBrowserBuild(dir) {
  const browserSafe = new Set(dependencies.filter((d) => !NODE_ONLY_DEPENDENCIES.includes(d)));
  const problems = [];
  const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js'));
  for (const file of files) {
    const code = readFileSync(path.join(dir, file), 'utf8');
    for (const m of code.matchAll(/\b(?:from|import)\s*\(?\s*["']([^"'./][^"']*)["']/g)) {
      const name = m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0];
      if (!browserSafe.has(name)) problems.push(`${file}: imports '${m[1]}'`);
    }
    if (/\bimport\(\s*[^"'\s)]/.test(code)) problems.push(`${file}: import() of a computed name`);
    if (/\brequire\(/.test(code)) problems.push(`${file}: require()`);
  }
  if (problems.length) {
    console.error(`${pkg.name}: the browser build has Node-only code:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}
