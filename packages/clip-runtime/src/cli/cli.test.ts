// The clipgpu binary as a user runs it (node packages/clip-runtime/dist/node/cli.js, built by pnpm build):
// embed and classify on the tiny fixture model with a toy tokenizer, tables and JSON, and a non-zero
// exit with a one-line reason on bad input.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, writeToyModel } from '../testing/toy-model.js';

const CLI = new URL('../../dist/node/cli.js', import.meta.url).pathname;
const IMAGES = `${FIXTURES}/preprocess/`;
const dir = mkdtempSync(join(tmpdir(), 'clipgpu-cli-'));
const model = writeToyModel(join(dir, 'model'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function clipgpu(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` first`);
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 240_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('clipgpu embed and classify', () => {
  it('embeds texts and images as JSON and as a table', async () => {
    const json = await clipgpu([
      'embed',
      '--model',
      model,
      '--text',
      'a cat',
      '--text',
      'a dog',
      '--image',
      `${IMAGES}small.png`,
      '--json',
    ]);
    // (SwiftShader's Vulkan loader may print an XDG_RUNTIME_DIR notice: not ours)
    expect(json.stderr).not.toMatch(/clipgpu/);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout);
    expect(rows.map((r: { kind: string }) => r.kind)).toEqual(['text', 'text', 'image']);
    for (const r of rows) expect(r.embedding).toHaveLength(24);
    const table = await clipgpu(['embed', '--model', model, '--text', 'a cat']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/kind\s+input\s+dim\s+norm/);
    expect(table.stdout).toMatch(/text\s+a cat\s+24/);
  });

  it('classifies images against labels, probabilities summing to one', async () => {
    const out = await clipgpu([
      'classify',
      '--model',
      model,
      `${IMAGES}small.png`,
      `${IMAGES}portrait.png`,
      '--labels',
      'a cat, a dog,a bird',
      '--template',
      'a photo of {}',
      '--json',
    ]);
    expect(out.code).toBe(0);
    const results = JSON.parse(out.stdout);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.scores.map((s: { label: string }) => s.label).sort()).toEqual(['a bird', 'a cat', 'a dog']);
      expect(r.scores.reduce((s: number, x: { score: number }) => s + x.score, 0)).toBeCloseTo(1, 5);
    }
    const table = await clipgpu(['classify', '--model', model, `${IMAGES}small.png`, '--labels', 'a cat,a dog']);
    expect(table.stdout).toMatch(/label\s+probability/);
    // several templates are ensembled
    const ensembled = await clipgpu([
      'classify',
      '--model',
      model,
      `${IMAGES}small.png`,
      '--labels',
      'a cat,a dog',
      '--template',
      'a photo of {}',
      '--template',
      '{} outdoors',
      '--json',
    ]);
    expect(ensembled.code).toBe(0);
    expect(JSON.parse(ensembled.stdout)[0].scores).toHaveLength(2);
  });

  it('fails with a one-line reason and a non-zero exit on bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['embed', '--model', model], /give --text or --image/],
      [['classify', '--model', model, `${IMAGES}small.png`], /--labels needs at least one label/],
      [['classify', '--model', model, `${IMAGES}nope.png`, '--labels', 'a,b'], /nope\.png: cannot read the image/],
      [['embed', '--model', join(dir, 'missing'), '--text', 'x'], /missing: no such folder/],
      [['embed', '--model', model, '--bogus'], /Unknown option '--bogus'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = await clipgpu(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});
