#!/usr/bin/env node
// clipgpu: embed | classify | generate. Exit code 2 and a one-line reason on bad input.
import { classify } from './cli/classify.js';
import { UsageError } from './cli/common.js';
import { embed } from './cli/embed.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  embed,
  classify,
  generate: async (argv) => (await import('./cli/generate.js')).runGenerateCli(argv),
  start: async () => void (await (await import('./cli/start.js')).runStart()),
  weights: async (argv) => {
    const code = await (await import('./cli/weights.js')).runWeights(argv);
    if (code !== 0) throw new UsageError('see the usage above');
  },
};

const HELP = `clipgpu — CLIP on WebGPU
  clipgpu embed [--model DIR] (--text T ... | --image FILE ...) [--json]
  clipgpu classify [--model DIR] IMAGE ... --labels "a dog,a cat" [--template "a photo of {}"] [--json]
  clipgpu generate "PROMPT" [--model DIR] [--generator pixels|fourier|siren|decoder[:FILE]] [--steps N] [--out out.png] ...
  clipgpu weights fetch REPO_ID [--revision R]     fetch a Hugging Face CLIP into weights/REPO_ID/
  clipgpu start                                    the demo job: classify samples, generate an image
Without --model the embedded tiny model is used; --model also takes a fetched repo id.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(HELP);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`clipgpu: unknown command '${command}'\n${HELP}`);
    return 2;
  }
  try {
    await run(rest);
    return 0;
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    console.error(`clipgpu ${command}: ${e instanceof UsageError ? message : message.split('\n')[0]}`);
    if (process.env.CLIPGPU_DEBUG) console.error(e);
    return e instanceof UsageError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Dawn keeps the event loop alive; exit once output is flushed.
  setTimeout(() => process.exit(code), 0);
});
