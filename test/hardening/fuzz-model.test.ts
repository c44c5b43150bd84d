// Hostile model files: thousands of seeded mutations of tiny-quickgelu's model.safetensors and
// config.json through loadClip(memoryFiles(...)). Every case must end in a clear error (an Error,
// one line, naming model.safetensors or config.json) or a correct load; never a crash, a hang, a
// GPU validation error (out-of-range write), a large allocation from a forged size, or GPU memory
// left behind. Reproduce a failing case from the seed and case number printed with it.
import { describe, expect, it } from 'vitest';
import { init, loadClip, memoryFiles, parseHfConfig } from '@clipgpu/clip-runtime';
import { expectNoFailures, joinSafetensors, rng, splitSafetensors, tinyFiles, unclear, within, type Rng } from './helpers.js';

const rt = await init();
const { config: configText, model } = tinyFiles();
const baseConfig = JSON.parse(configText);
const { json: baseHeader, len: baseLen, data: baseData } = splitSafetensors(model);
const names = Object.keys(baseHeader).filter((k) => k !== '__metadata__');

const SEED = Number(process.env.CLIPGPU_FUZZ_SEED ?? 20261130);
const CASES = Number(process.env.CLIPGPU_FUZZ_CASES ?? 8000);
/** The whole model is 317 KB: no single buffer, nor all of them, may come near this. */
const MAX_ONE_ALLOCATION = 1 << 20;
const MAX_PEAK_IN_USE = 4 << 20;
const CASE_MS = 20_000;

type Json = any;
const clone = (x: Json): Json => structuredClone(x);
/** Values that break assumptions; RAW(...) is spliced into the JSON text as is. */
const RAW = (text: string) => `\u0000RAW${text}\u0000`;
const NUMBERS: Json[] = [
  -1,
  0,
  1,
  2,
  3,
  7,
  -0,
  0.5,
  2.000001,
  1e9,
  2 ** 31,
  2 ** 32 + 4,
  2 ** 53,
  2 ** 53 + 2,
  1e300,
  -1e300,
  RAW('1e400'),
  RAW('-1e400'),
  RAW('1E2'),
  RAW('00012'),
];
const OTHERS: Json[] = [null, true, false, '', 'x', '48', 'F32', [], {}, [1], [48, 48], { a: 1 }, 'ü\u0000\u2028', 'a'.repeat(5000)];
const anyValue = (r: Rng) => (r.chance(0.6) ? r.pick(NUMBERS) : r.pick(OTHERS));
const stringify = (x: Json) => JSON.stringify(x).replace(/"\u0000RAW(.*?)\u0000"/g, (_, t) => t);
const padded = (text: string) => text.padEnd(Math.ceil(text.length / 8) * 8, ' ');

interface Case {
  kind: string;
  files: Record<string, string | Uint8Array>;
  /** the mutation cannot produce a loadable model (for the "most are refused" figure) */
  dataOnly?: boolean;
}

function mutateHeaderBytes(r: Rng): Case {
  const bytes = model.slice();
  const end = 8 + baseLen;
  const flips = 1 + r.int(6);
  const special = [0x7b, 0x7d, 0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x5c, 0x30, 0x39, 0x2d, 0x2e, 0x65, 0x20, 0x00, 0xff, 0x0a, 0xc3, 0xe2];
  for (let i = 0; i < flips; i++) bytes[8 + r.int(end - 8)] = r.chance(0.5) ? r.pick(special) : r.int(256);
  return { kind: 'header bytes', files: { 'config.json': configText, 'model.safetensors': bytes } };
}

function mutatePrefix(r: Rng): Case {
  const size = BigInt(model.length);
  const v = r.pick([
    0n,
    1n,
    2n,
    7n,
    BigInt(baseLen - 1),
    BigInt(baseLen + 1),
    BigInt(baseLen + 8),
    size - 8n,
    size - 7n,
    size,
    2n ** 31n,
    2n ** 32n,
    2n ** 53n + 1n,
    2n ** 63n,
    2n ** 64n - 1n,
    BigInt(r.int(2 ** 30)) * BigInt(r.int(2 ** 30)),
  ]);
  const bytes = model.slice();
  new DataView(bytes.buffer).setBigUint64(0, v, true);
  return { kind: 'length prefix', files: { 'config.json': configText, 'model.safetensors': bytes } };
}

function truncateOrExtend(r: Rng): Case {
  let bytes: Uint8Array;
  if (r.chance(0.7)) {
    const cut = r.chance(0.5) ? r.int(8 + baseLen + 16) : r.int(model.length);
    bytes = model.slice(0, cut);
  } else {
    bytes = new Uint8Array(model.length + 1 + r.int(64));
    bytes.set(model);
    for (let i = model.length; i < bytes.length; i++) bytes[i] = r.int(256);
  }
  return { kind: 'truncate/extend', files: { 'config.json': configText, 'model.safetensors': bytes } };
}

function mutateEntries(r: Rng): Case {
  const h = clone(baseHeader);
  let data = baseData;
  const edits = 1 + r.int(3);
  const kinds: string[] = [];
  for (let i = 0; i < edits; i++) {
    const name = r.pick(names);
    const e = h[name];
    // an earlier edit of this case may have replaced or removed the entry
    if (!e || typeof e !== 'object' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) continue;
    const what = r.pick([
      'dtype',
      'shape',
      'shape',
      'offsets',
      'offsets',
      'delete',
      'rename',
      'extra',
      'metadata',
      'entry',
      'reshape',
      'shift',
      'swap',
    ]);
    kinds.push(what);
    switch (what) {
      case 'dtype':
        e.dtype = r.chance(0.6) ? r.pick(['F16', 'BF16', 'I32', 'I64', 'F64', 'U8', 'BOOL', 'f32', 'F32 ', 'F8_E4M3']) : anyValue(r);
        break;
      case 'shape':
        if (r.chance(0.5) && e.shape.length) e.shape[r.int(e.shape.length)] = anyValue(r);
        else e.shape = r.pick([[], [0], [-1], [2 ** 53], [2 ** 40, 2 ** 40], [...e.shape, 1], e.shape.slice(1), anyValue(r)]);
        break;
      case 'offsets':
        if (r.chance(0.6))
          e.data_offsets[r.int(2)] = r.chance(0.5) ? e.data_offsets[r.int(2)] + r.pick([-4, -1, 1, 4, 1 << 20, 2 ** 53]) : anyValue(r);
        else e.data_offsets = r.pick([[], [0], [0, 0, 0], [e.data_offsets[1], e.data_offsets[0]], anyValue(r), [0, 2 ** 64]]);
        break;
      case 'delete':
        delete h[name];
        break;
      case 'rename':
        h[r.pick([`${name}x`, name.toUpperCase(), '', '__metadata__x', `${name}\u0000`, 'a\nb', name.replace(/\.\d+\./, '.7.')])] = e;
        delete h[name];
        break;
      case 'extra':
        h[r.pick(['extra', 'text_model.embeddings.position_ids', 'vision_model.extra.weight'])] = {
          dtype: 'F32',
          shape: [0],
          data_offsets: [baseData.length, baseData.length],
        };
        break;
      case 'metadata':
        h.__metadata__ = r.pick([null, 1, [], { a: 1 }, { format: 'pt', x: { y: 1 } }, 'pt', { __proto__: 'x' }]);
        break;
      case 'entry':
        h[name] = anyValue(r);
        break;
      case 'reshape': {
        // the same number of elements in another shape: valid for the file, wrong for the config
        const n = e.shape.reduce((a: number, b: number) => a * b, 1);
        e.shape = r.pick([[n], [1, n], [n, 1]]);
        break;
      }
      case 'shift': {
        // every offset moved: a gap at the start or tensors past the end
        const d = r.pick([-4, 4, 8, 1 << 16]);
        for (const k of names) if (h[k]?.data_offsets) h[k].data_offsets = h[k].data_offsets.map((o: number) => o + d);
        break;
      }
      case 'swap': {
        // two tensors trade their byte ranges (valid file, sizes permitting)
        const other = h[r.pick(names)];
        if (other?.data_offsets) [e.data_offsets, other.data_offsets] = [other.data_offsets, e.data_offsets];
        break;
      }
    }
  }
  let text = stringify(h);
  if (r.chance(0.1)) {
    // a duplicated key (JSON.parse would silently keep the last)
    const dup = r.pick(names);
    text = text.replace(/^\{/, `{${JSON.stringify(dup)}:${JSON.stringify(baseHeader[dup])},`);
    kinds.push('duplicate');
  }
  if (r.chance(0.1)) {
    data = data.subarray(0, data.length - r.pick([1, 4, 100]));
    kinds.push('short data');
  }
  return {
    kind: `entries: ${kinds.join(',')}`,
    files: { 'config.json': configText, 'model.safetensors': joinSafetensors(padded(text), data) },
  };
}

const TEXT_KEYS = Object.keys(baseConfig.text_config);
const VISION_KEYS = Object.keys(baseConfig.vision_config);
function mutateConfig(r: Rng): Case {
  const c = clone(baseConfig);
  const what = r.pick(['text', 'text', 'vision', 'vision', 'top', 'section', 'heads', 'act', 'whole', 'truncate', 'size-both']);
  let text: string | undefined;
  const bytes: Uint8Array = model;
  switch (what) {
    case 'text':
      c.text_config[r.pick(TEXT_KEYS)] = anyValue(r);
      break;
    case 'vision':
      c.vision_config[r.pick(VISION_KEYS)] = anyValue(r);
      break;
    case 'top':
      c[r.pick(['projection_dim', 'logit_scale_init_value', 'architectures', 'torch_dtype'])] = anyValue(r);
      break;
    case 'section':
      c[r.pick(['text_config', 'vision_config'])] = r.pick([undefined, null, [], 1, 'x', {}]);
      break;
    case 'heads':
      c[r.pick(['text_config', 'vision_config'])].num_attention_heads = r.pick([7, 11, 13, 96, -3, 0]);
      break;
    case 'act':
      c[r.pick(['text_config', 'vision_config'])].hidden_act = r.pick(['gelu_new', 'relu', '', 'GELU', 'quick_gelu ', 5]);
      break;
    case 'whole':
      text = r.pick([
        '',
        'null',
        '[]',
        '"config"',
        '1e400',
        '{',
        '{"text_config": {}, "vision_config": {}}',
        '{"text_config":1,"vision_config":2}',
        configText.replace('{', '{\n"a":\n'),
      ]);
      break;
    case 'truncate':
      text = configText.slice(0, r.int(configText.length));
      break;
    case 'size-both': {
      // a config and a file that agree on a forged size: the check before upload must stop it
      c.text_config.num_hidden_layers = r.pick([1e9, 2 ** 31, 1e300]);
      break;
    }
  }
  text ??= stringify(c);
  return { kind: `config: ${what}`, files: { 'config.json': text, 'model.safetensors': bytes } };
}

function mutateData(r: Rng): Case {
  // bytes of the data section only: a valid file that must load (NaNs and all), on the GPU
  const bytes = model.slice();
  for (let i = 0, n = 1 + r.int(16); i < n; i++) bytes[8 + baseLen + r.int(baseData.length)] = r.int(256);
  return { kind: 'data bytes', files: { 'config.json': configText, 'model.safetensors': bytes }, dataOnly: true };
}

function makeCase(r: Rng): Case {
  const x = r.next();
  if (x < 0.2) return mutateHeaderBytes(r);
  if (x < 0.28) return mutatePrefix(r);
  if (x < 0.36) return truncateOrExtend(r);
  if (x < 0.7) return mutateEntries(r);
  if (x < 0.96) return mutateConfig(r);
  return mutateData(r);
}

describe('fuzzed model files', () => {
  it(`${CASES} seeded mutations of model.safetensors and config.json end in a clear error or a correct load`, async () => {
    // spy on every GPU allocation the runtime makes
    let allocations = 0;
    let largest = 0;
    const acquire = rt.acquire.bind(rt);
    rt.acquire = (bytes, label) => {
      allocations++;
      largest = Math.max(largest, bytes);
      if (bytes > MAX_ONE_ALLOCATION) throw new Error(`FUZZ: allocation of ${bytes} bytes (${label})`);
      return acquire(bytes, label);
    };
    const warm = await loadClip(memoryFiles({ 'config.json': configText, 'model.safetensors': model }));
    warm.dispose();
    const base = rt.stats();
    const failures: string[] = [];
    const counts = { cases: 0, refusedBeforeUpload: 0, refusedAfterUpload: 0, loaded: 0 };
    const byKind = new Map<string, number>();
    let slowest = 0;
    let peakInUse = 0;
    const r = rng(SEED);
    const t0 = performance.now();
    try {
      for (let i = 0; i < CASES; i++) {
        const c = makeCase(r);
        const tag = `seed ${SEED} case ${i} (${c.kind})`;
        allocations = 0;
        const start = performance.now();
        try {
          const clip = await within(loadClip(memoryFiles(c.files, 'fuzz')), CASE_MS, tag);
          counts.loaded++;
          // a correct load: the config it reports is the one given, every tensor is there
          const want = parseHfConfig(JSON.parse(c.files['config.json'] as string));
          if (JSON.stringify(clip.config) !== JSON.stringify(want)) failures.push(`${tag}: loaded with another config`);
          peakInUse = Math.max(peakInUse, rt.stats().inUseBytes);
          clip.dispose();
        } catch (e) {
          const why = unclear(e, /model\.safetensors|config\.json/);
          if (why) failures.push(`${tag}: ${why}`);
          if (allocations === 0) counts.refusedBeforeUpload++;
          else counts.refusedAfterUpload++;
          const key = c.kind.split(':')[0];
          byKind.set(key, (byKind.get(key) ?? 0) + 1);
        }
        slowest = Math.max(slowest, performance.now() - start);
        // no GPU error (e.g. a write past a buffer) from this case, and nothing left behind
        if (allocations > 0) {
          try {
            await within(rt.gpu.sync(), CASE_MS, `${tag} sync`);
          } catch (e) {
            failures.push(`${tag}: GPU error after the case: ${(e as Error).message}`);
          }
        }
        const s = rt.stats();
        if (s.inUseBytes !== base.inUseBytes || s.liveTensors !== base.liveTensors)
          failures.push(`${tag}: left ${s.inUseBytes - base.inUseBytes} bytes / ${s.liveTensors - base.liveTensors} tensors in use`);
        if (s.allocatedBytes > base.allocatedBytes + MAX_PEAK_IN_USE) failures.push(`${tag}: ${s.allocatedBytes} bytes allocated`);
        counts.cases++;
        if (failures.length > 20) break;
      }
    } finally {
      rt.acquire = acquire;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `model fuzz: ${JSON.stringify(counts)} refused by kind ${JSON.stringify(Object.fromEntries(byKind))}; largest allocation ${largest} B, slowest case ${slowest.toFixed(0)} ms, ${seconds.toFixed(1)} s`,
    );
    expectNoFailures(failures, counts.cases);
    expect(counts.cases).toBe(CASES);
    // most hostile files are refused before anything reaches the GPU
    expect(counts.refusedBeforeUpload).toBeGreaterThan(0.8 * (counts.cases - counts.loaded));
    expect(slowest).toBeLessThan(5_000);
    expect(largest).toBeLessThanOrEqual(MAX_ONE_ALLOCATION);
    expect(rt.stats().allocatedBytes).toBeLessThanOrEqual(base.allocatedBytes + MAX_PEAK_IN_USE);
  }, 120_000);
});
