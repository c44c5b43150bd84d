// clipgpu generate (runGenerateCli) end to end on the tiny CLIP fixture, given a toy tokenizer
// (every byte symbol mapped into the fixture's 99-token vocabulary): the PNG, frames, the JSON-lines
// log, Ctrl-C, a decoder generator, and one-line usage errors.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, init } from '@clipgpu/clip-runtime';
import { UsageError } from './common.js';
import { framePath, runGenerateCli } from './generate.js';
import { decoderArchitecture, randomDecoderWeights, writeDecoderWeights, type GenerateState } from '../generate/index.js';
import { writeToyModel } from '../testing/toy-model.js';

await init();
const dir = mkdtempSync(join(tmpdir(), 'clipgpu-generate-'));
const model = join(dir, 'model');

beforeAll(() => {
  writeToyModel(model);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink() {
  const lines: string[] = [];
  return { lines, write: (s: string) => lines.push(s) };
}

async function cli(args: string[], onStep?: (s: GenerateState) => void) {
  const stdout = sink();
  const stderr = sink();
  await runGenerateCli(args, { stdout, stderr, onStep });
  return { stdout: stdout.lines.join(''), stderr: stderr.lines.join('') };
}

const png = (path: string) => decodeImage(path);

describe('clipgpu generate', () => {
  it('writes the image, frames every K steps and a JSON-lines log', async () => {
    const out = join(dir, 'apple.png');
    const log = join(dir, 'run.jsonl');
    const r = await cli([
      'a red apple:1|blurry:-0.5',
      '--model',
      model,
      '--generator',
      'pixels',
      '--size',
      '32',
      '--steps',
      '4',
      '--cutn',
      '2',
      '--out',
      out,
      '--save-every',
      '2',
      '--log',
      log,
      '--seed',
      '3',
      '--lr',
      '0.1',
    ]);
    expect(r.stdout).toMatch(/finished step 4\/4, loss -?\d+\.\d{4}, .* wrote .*apple\.png/);
    expect(r.stderr).toMatch(/step 1\/4 loss/);
    const img = await png(out);
    expect([img.width, img.height]).toEqual([32, 32]);
    expect(existsSync(join(dir, 'apple-0002.png')) && existsSync(join(dir, 'apple-0004.png'))).toBe(true);
    expect(existsSync(join(dir, 'apple-0001.png'))).toBe(false);
    const rows = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.step)).toEqual([1, 2, 3, 4]);
    expect(rows[0].losses.map((x: { prompt: string; weight: number }) => [x.prompt, x.weight])).toEqual([
      ['a red apple', 1],
      ['blurry', -0.5],
    ]);
    for (const row of rows) expect(row.loss).toBeCloseTo(row.losses[0].loss + row.losses[1].loss, 5);
  });

  it('stops on Ctrl-C after the current step and still writes the image', async () => {
    const out = join(dir, 'stopped.png');
    const log = join(dir, 'stopped.jsonl');
    const listeners = process.listenerCount('SIGINT');
    const r = await cli(
      ['a cat', '--model', model, '--generator', 'fourier', '--size', '32', '--steps', '50', '--cutn', '2', '--out', out, '--log', log],
      (s) => {
        if (s.step === 2) process.emit('SIGINT');
      },
    );
    expect(r.stderr).toMatch(/stopping after this step/);
    expect(r.stdout).toMatch(/stopped at step 2\/50/);
    expect((await png(out)).width).toBe(32);
    expect(readFileSync(log, 'utf8').trim().split('\n').length).toBe(2);
    expect(process.listenerCount('SIGINT')).toBe(listeners); // its handler is removed
  });

  it('runs a decoder from its weights file', async () => {
    const file = join(dir, 'decoder.safetensors');
    writeFileSync(file, writeDecoderWeights(randomDecoderWeights(decoderArchitecture({ latentDim: 8, size: 16, channels: [8, 6, 4] }), 1)));
    const out = join(dir, 'decoded.png');
    const r = await cli([
      'a dog',
      '--model',
      model,
      '--generator',
      `decoder:${file}`,
      '--steps',
      '2',
      '--cutn',
      '2',
      '--out',
      out,
      '--quiet',
      '--init-candidates',
      '3',
    ]);
    expect(r.stderr).toBe('');
    expect((await png(out)).width).toBe(16);
  });

  it('draws with the embedded pixel decoder at the --size asked for', async () => {
    const out = join(dir, 'decoded-48.png');
    const r = await cli([
      'a dog',
      '--model',
      model,
      '--generator',
      'decoder',
      '--size',
      '48',
      '--steps',
      '1',
      '--cutn',
      '2',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    const image = await png(out);
    expect([image.width, image.height]).toEqual([48, 48]);
  });

  it('rejects bad input with a one-line reason (a UsageError: exit code 2)', async () => {
    const bad = async (args: string[], re: RegExp) => {
      const err = await cli(args).then(
        () => undefined,
        (e) => e,
      );
      expect(err, args.join(' ')).toBeInstanceOf(UsageError);
      expect(err.message.split('\n')[0]).toMatch(re);
    };
    const m = ['--model', model];
    await bad([...m], /give a prompt/);
    await bad(['', ...m], /prompt 1 of "" is empty/);
    await bad(['x', ...m, '--generator', 'vqgan'], /unknown generator 'vqgan'/);
    await bad(['x', ...m, '--generator', `decoder:${join(dir, 'none.safetensors')}`], /no such file/);
    await bad(
      ['x', ...m, '--generator', `decoder:${join(dir, 'decoder.safetensors')}`, '--size', '64'],
      /--size does not apply to a decoder/,
    );
    await bad(['x', ...m, '--steps', '0'], /--steps must be an integer ≥ 1, got '0'/);
    await bad(['x', ...m, '--steps', 'ten'], /--steps must be an integer ≥ 1, got 'ten'/);
    await bad(['x', ...m, '--lr=-1'], /--lr must be a number ≥ 0, got '-1'/);
    await bad(['x', ...m, '--loss', 'l1'], /--loss must be spherical or cosine/);
    await bad(['x', ...m, '--init-candidates', '0'], /--init-candidates must be an integer ≥ 1, got '0'/);
    await bad(['x', ...m, '--bogus'], /Unknown option '--bogus'/);
    await bad(['x', ...m, '--out', join(dir, 'missing', 'o.png')], /--out: the folder .* does not exist/);
    await bad(['x', ...m, '--image-prompt', join(dir, 'nope.png')], /--image-prompt: no such file/);
    // found once the model is known
    await bad(
      ['x', ...m, '--generator', 'pixels', '--size', '12', '--min-cut', '16', '--steps', '1'],
      /the image \(12×12\) is smaller than the smallest cutout \(minCutSize 16\)/,
    );
  });

  it('names frames after the output', () => {
    expect(framePath('out.png', 50, 300)).toBe('out-0050.png');
    expect(framePath('a/b.c/run', 7, 20000)).toBe('a/b.c/run-00007.png');
  });
});
