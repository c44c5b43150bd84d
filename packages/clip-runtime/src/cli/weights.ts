// `clipgpu weights fetch <repo-id> [--revision R] [--hub-url URL] [--dir DIR]` (`pnpm weights` in
// this repository): downloads a CLIP from the Hugging Face Hub into weights/<repo>/ (or
// $CLIPGPU_WEIGHTS/<repo>/, or DIR/<repo>/) with a progress bar, resuming an interrupted
// download and checking sizes and sha256 (see io/hub.ts).
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { HUB_URL } from '../io/hub.js';
import { fetchModel } from '../io/hub-cache.node.js';

const USAGE = 'usage: clipgpu weights fetch <repo-id> [--revision R] [--hub-url URL] [--dir DIR]';

export async function runWeights(
  argv: string[],
  io: { stdout?: { write(s: string): unknown }; stderr?: NodeJS.WritableStream } = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { revision: { type: 'string' }, 'hub-url': { type: 'string' }, dir: { type: 'string' } },
  });
  const [command, repo] = positionals;
  if (command !== 'fetch' || !repo) {
    stderr.write(`${USAGE}\n`);
    return 2;
  }
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {loaded}/{all} MB | {file}', stream: stderr, noTTYOutput: false, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  try {
    const { dir, files } = await fetchModel(repo, {
      revision: values.revision,
      hubUrl: values['hub-url'] ?? HUB_URL,
      cacheDir: values.dir,
      onProgress: (loaded, total, file) => {
        if (!started) bar.start(total, 0, { loaded: '0.0', all: mb(total), file });
        started = true;
        bar.update(loaded, { loaded: mb(loaded), file });
      },
    });
    if (started) bar.stop();
    for (const f of files)
      stdout.write(`${f.downloaded ? 'fetched' : 'cached '}  ${f.path}  ${mb(f.size)} MB${f.sha256 ? '  sha256 ok' : ''}\n`);
    stdout.write(`${repo} is in ${dir}\n`);
    return 0;
  } catch (e) {
    if (started) bar.stop();
    stderr.write(`clipgpu weights: ${(e as Error).message}\n`);
    return 1;
  }
}
