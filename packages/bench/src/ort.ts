// onnxruntime-web on the same ViT-B/32 image encoder exported to ONNX (f32 weights,
// onnx/export_vit_b32.py), in a page only: the driver serves its files under ./ort/ and the model
// under ./onnx/. Both of its WebGPU execution providers, each its own bundle: the native WebGPU EP
// (`onnxruntime-web/webgpu`, the asyncify wasm) and JSEP (`onnxruntime-web`, the jsep wasm). Each
// is a contender of the image-encode case, sampled interleaved with ours; the faster is the
// ratio's denominator. Outputs come back to the CPU (ORT's default), as ours do.
import type { Contender, Log } from './core.js';
import { errorText, round } from './core.js';

const EPS = [
  { config: 'native WebGPU EP (onnxruntime-web/webgpu)', bundle: './ort/ort.webgpu.bundle.min.mjs' },
  { config: 'JSEP WebGPU EP (onnxruntime-web)', bundle: './ort/ort.bundle.min.mjs' },
];
export const ORT_MODEL = './onnx/vit-b32-random.onnx';

export interface OrtContender {
  config: string;
  notes: string;
  contender: Contender;
  release: () => Promise<void>;
}

/** One contender per EP that loads; an EP that fails is an error line, not the end of the run. */
export async function ortContenders(pixels: Float32Array, log: Log, errors: string[]): Promise<OrtContender[]> {
  const out: OrtContender[] = [];
  for (const ep of EPS) {
    try {
      const ort = await import(/* @vite-ignore */ new URL(ep.bundle, location.href).href);
      ort.env.wasm.wasmPaths = new URL('./ort/', location.href).href;
      ort.env.wasm.numThreads = 1;
      const t0 = performance.now();
      const session = await ort.InferenceSession.create(ORT_MODEL, { executionProviders: ['webgpu'] });
      const createMs = performance.now() - t0;
      const feeds = { pixels: new ort.Tensor('float32', pixels, [1, 3, 224, 224]) };
      const once = async () => {
        const t = performance.now();
        await session.run(feeds);
        return performance.now() - t;
      };
      const version = ort.env.versions?.web ?? '';
      log(`  onnxruntime-web ${version} ${ep.config}: session ${round(createMs)} ms`);
      out.push({
        config: `${ep.config} ${version}`.trim(),
        notes: `onnxruntime-web ${version}, ${ep.config}; session create ${round(createMs)} ms; f32 weights; FLOPs: ours, counted`,
        contender: {
          first: once,
          sample: async (reps) => {
            let ms = 0;
            for (let i = 0; i < reps; i++) ms += await once();
            return ms;
          },
        },
        release: () => session.release(),
      });
    } catch (e) {
      const msg = `onnxruntime-web ${ep.config}: ${errorText(e)}`;
      errors.push(msg);
      log(`  ERROR ${msg}`);
    }
  }
  return out;
}
