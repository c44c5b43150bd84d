// Builds the package in the current directory: one ESM bundle per entry in dist/ (WGSL inlined as
// strings, so no file is read at run time) plus .d.ts files from tsc.
// Entries: src/index.ts always; src/testing.ts (test helpers) and src/cli.ts (a bin) when present.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
rmSync('dist', { recursive: true, force: true });
const entryPoints = ['src/index.ts', 'src/testing.ts', 'src/cli.ts'].filter((f) => existsSync(f));
// Runtime dependencies stay imports, except wgsl_reflect whose Node entry is broken (CJS under
// "type": "module"); bundling its ESM build sidesteps that for every consumer.
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), 'node:*']
  .filter((d) => d !== 'wgsl_reflect');
await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  loader: { '.wgsl': 'text' },
  external,
  mainFields: ['module', 'main'],
  logLevel: 'warning',
});
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
console.log(`built ${pkg.name}: ${entryPoints.join(', ')} -> dist/`);
