// A strict TypeScript user's app: it must type-check against the published .d.ts files alone.
import { ClipTokenizer, type Clip, generate, generators, loadClip, ops, type Tensor } from '@clipgpu/clip-runtime';
import { Gpu, matmul, requestDevice, unary } from '@clipgpu/kernels';

export async function main(): Promise<string> {
  const clip: Clip = await loadClip();
  const scores: { label: string; score: number }[] = await clip.classify('cat.png', ['a cat', 'a dog'], { template: 'a photo of {}' });
  const text: Tensor = await clip.encodeText(['a diagram']);
  const sim = ops.cosineSimilarity(text, await clip.encodeImage(['cat.png']));
  const values: Float32Array | Int32Array = await sim.toArray();
  const tokenizer: ClipTokenizer = await ClipTokenizer.load();
  const ids: Int32Array = tokenizer.tokenize(['a photo of a cat']).ids;
  for await (const step of generate(clip, { prompts: 'a red circle', generator: generators.decoder(), steps: 2 })) {
    const loss: number = step.loss;
    void loss;
  }
  const { device, adapter } = await requestDevice();
  const gpu: Gpu = await Gpu.create();
  const x = gpu.upload(new Float32Array([1, -1]), 'x');
  const y = gpu.createBuffer(8, 'y');
  unary(gpu, 'relu', x, y, 2);
  const [M, K, N] = [64, 128, 32];
  const a = gpu.upload(new Float32Array(M * K).fill(0.5), 'a');
  const b = gpu.upload(new Float32Array(K * N).fill(2), 'b');
  const c = gpu.createBuffer(M * N * 4, 'c');
  matmul(gpu, a, b, c, { M, K, N }, { activation: 'gelu' });
  const product: Float32Array = await gpu.readF32(c, M * N);
  device.destroy();
  return `${scores[0]?.label} ${values.length} ${ids.length} ${adapter.vendor} ${product[0]}`;
}
