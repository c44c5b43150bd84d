// Shared pieces of the clipgpu commands: argument parsing (node:util parseArgs), model loading with
// a progress bar, table printing, and one-line errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import cliProgress from 'cli-progress';
import { loadClip, type Clip } from '../clip.js';

export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: ${usage}`);
  }
}

/** Loads --model (the embedded default when none is given), with a progress bar on a terminal. */
export async function loadModel(model: string | undefined, dtype: string | undefined): Promise<Clip> {
  if (dtype !== undefined && dtype !== 'f32' && dtype !== 'f16') throw new UsageError(`--dtype must be f32 or f16, got '${dtype}'`);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: 'loading {bar} {percentage}% {value}/{total} MB', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  try {
    return await loadClip(model, {
      dtype: dtype as 'f32' | 'f16' | undefined,
      onProgress: (loaded, total) => {
        if (!bar) return;
        if (!started) bar.start(Math.ceil(total / 1e6), 0);
        started = true;
        bar.update(Math.round(loaded / 1e6));
      },
    });
  } finally {
    if (started) bar?.stop();
  }
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
