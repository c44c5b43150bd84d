#!/usr/bin/env node
// `pnpm bench:kernels`: the matmul and layernorm rows in Node alone, now one case of the one
// benchmark (src/run.mjs: same shapes, same timing loop, same files); extra arguments pass through.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const run = fileURLToPath(new URL('./run.mjs', import.meta.url));
const args = ['--env', 'node', '--only', 'matmul,layernorm', '--no-peers', ...process.argv.slice(2)];
process.exit(spawnSync(process.execPath, [run, ...args], { stdio: 'inherit' }).status ?? 1);
