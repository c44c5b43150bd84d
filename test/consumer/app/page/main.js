// A web app's use of clipgpu, built unchanged by esbuild, Vite and webpack. It reports to
// window.__result: a kernel run, the embedded CLIP classifying a drawn red circle, OpenAI's
// tokenizer, and three guided steps through the embedded decoder. Where the bundler did not carry
// the package's assets (esbuild), it records the error and loads the copies the README tells
// esbuild users to serve under ./models/.
import { ClipTokenizer, generate, generators, loadClip } from '@clipgpu/clip-runtime';
import { Gpu, unary } from '@clipgpu/kernels';

const report = { fallbacks: {} };

async function orServed(what, embedded, served) {
  try {
    return await embedded();
  } catch (e) {
    report.fallbacks[what] = e.message;
    return served();
  }
}

function redCircle(size = 64) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#f5f5f5';
  ctx.fillRect(0, 0, size, size);
  ctx.fillStyle = '#dc1e1e';
  ctx.beginPath();
  ctx.arc(size / 2, size / 2, size * 0.3, 0, 2 * Math.PI);
  ctx.fill();
  return canvas;
}

async function main() {
  const gpu = await Gpu.create();
  const x = gpu.upload(new Float32Array([-2, 3]), 'x');
  const y = gpu.createBuffer(8, 'y');
  unary(gpu, 'relu', x, y, 2);
  report.relu = Array.from(await gpu.readF32(y, 2));
  gpu.destroy();

  const models = new URL('./models/', location.href).href;
  const clip = await orServed(
    'loadClip',
    () => loadClip(),
    () => loadClip(`${models}clipgpu-tiny/`),
  );
  const ranked = await clip.classify(redCircle(), ['a red circle', 'a blue square', 'a green triangle']);
  report.top = ranked[0].label;
  report.p = ranked[0].score;

  const tokenizer = await orServed(
    'ClipTokenizer.load',
    () => ClipTokenizer.load(),
    async () =>
      ClipTokenizer.load({ bpe: new Uint8Array(await (await fetch(`${models}clip-bpe/bpe_simple_vocab_16e6.txt.gz`)).arrayBuffer()) }),
  );
  report.ids = Array.from(tokenizer.tokenize(['a photo of a cat']).ids.slice(0, 7));

  const decode = async (generator) => {
    const run = generate(clip, { prompts: 'a red circle', generator, steps: 3, cutn: 2, seed: 0 });
    let steps = 0;
    for await (const _ of run) steps++;
    run.dispose();
    return steps;
  };
  report.steps = await orServed(
    'generators.decoder',
    () => decode(generators.decoder()),
    () => decode(generators.decoder(`${models}decoder-tiny/decoder.safetensors`)),
  );
  clip.dispose();
}

main()
  .then(
    () => (report.ok = true),
    (e) => (report.error = String(e?.stack ?? e)),
  )
  .finally(() => {
    document.getElementById('status').textContent = report.ok ? 'done' : `failed: ${report.error}`;
    window.__result = report;
  });
