// requestDevice(): a GPUDevice in a browser (navigator.gpu) or in Node (the `webgpu` package, Dawn),
// with the largest buffer limits the adapter offers, since CLIP's weights outgrow the 128 MiB default.

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** true when Node fell back to SwiftShader (a CPU Vulkan driver). */
  software: boolean;
  features: string[];
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupStorageSize: number };
}

export interface RequestDeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** Ask for these features when the adapter has them (default: timestamp-query, subgroups, shader-f16). */
  optionalFeatures?: GPUFeatureName[];
  /** Node only: a Vulkan ICD json to use when no hardware adapter exists. */
  swiftshaderIcd?: string;
  /**
   * Caps below the adapter's limits (e.g. to test how a model behaves on a smaller GPU). WebGPU
   * never gives a device less than its defaults, so the caps are also reported in `adapter.limits`,
   * which Gpu enforces itself (buffer creation and every binding).
   */
  limits?: Partial<Record<'maxStorageBufferBindingSize' | 'maxBufferSize', number>>;
}

export interface DeviceHandle {
  device: GPUDevice;
  adapter: AdapterReport;
}

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'];
const DEFAULT_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups' as GPUFeatureName, 'shader-f16'];

// Dawn's instance must outlive every device made from it: once the object create() returned is
// garbage-collected the process aborts at random. Keep them here for the life of the process.
const dawnInstances: unknown[] = [];

const NO_ADAPTER_HELP =
  'no WebGPU adapter found. On a machine without a GPU install a software Vulkan driver: ' +
  'on Debian/Ubuntu `sudo apt-get install -y chromium libvulkan1` (it ships SwiftShader at ' +
  '/usr/lib/chromium/vk_swiftshader_icd.json), or point VK_ICD_FILENAMES at a vk_swiftshader_icd.json.';

function inNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

// Vulkan's zero-initialise-workgroup-memory extension makes SwiftShader compile workgroup arrays
// element by element (a matmul pipeline took 1.3 s instead of 0.2 s); without it Dawn still
// zero-fills workgroup memory, with a loop in the shader.
const DAWN_FLAGS = ['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension'];

type DawnModule = { create: (flags: string[]) => GPU; globals: Record<string, unknown> };

async function loadDawn(): Promise<DawnModule> {
  // Indirect specifier so browser bundlers never try to resolve the native addon.
  const moduleName = 'webgpu';
  try {
    const dawn = (await import(/* @vite-ignore */ moduleName)) as DawnModule;
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    return dawn;
  } catch (e) {
    throw new Error(`clipgpu: WebGPU in Node needs the 'webgpu' package (Dawn): npm install webgpu (${(e as Error).message})`);
  }
}

/** Node: a hardware adapter if Dawn finds one, else SwiftShader through Chromium's Vulkan ICD. */
async function nodeAdapter(options: RequestDeviceOptions): Promise<{ adapter: GPUAdapter; software: boolean }> {
  const dawn = await loadDawn();
  const fs = await import('node:fs');
  if (!process.env.XDG_RUNTIME_DIR) {
    // Vulkan's window-system probing prints "XDG_RUNTIME_DIR is invalid or not set" on headless
    // machines; a private runtime dir for this process keeps that noise out of users' output.
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clipgpu-xdg-'));
    process.env.XDG_RUNTIME_DIR = dir;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const tryInstance = async (): Promise<GPUAdapter | null> => {
    const gpu = dawn.create(DAWN_FLAGS);
    dawnInstances.push(gpu);
    return gpu.requestAdapter({ powerPreference: options.powerPreference });
  };
  const forced = options.swiftshaderIcd ?? process.env.CLIPGPU_SWIFTSHADER_ICD;
  if (!forced) {
    const adapter = await tryInstance();
    if (adapter) return { adapter, software: false };
  }
  const icd = forced ?? SWIFTSHADER_ICDS.find((p) => fs.existsSync(p));
  if (!icd) throw new Error(`clipgpu: ${NO_ADAPTER_HELP}`);
  // The Vulkan loader reads VK_ICD_FILENAMES when Dawn enumerates adapters; it stays set for
  // this process so later instances see the same driver.
  process.env.VK_ICD_FILENAMES = icd;
  const adapter = await tryInstance();
  if (!adapter) throw new Error(`clipgpu: ${NO_ADAPTER_HELP} (tried ${icd}, which gave no adapter: is libvulkan1 installed?)`);
  return { adapter, software: true };
}

/** Returns a device with the adapter's largest buffer limits and a report of what it got. */
export async function requestDevice(options: RequestDeviceOptions = {}): Promise<DeviceHandle> {
  let adapter: GPUAdapter | null;
  let software = false;
  const browserGpu = (globalThis as { navigator?: Navigator }).navigator?.gpu;
  if (browserGpu) {
    adapter = await browserGpu.requestAdapter({ powerPreference: options.powerPreference });
    if (!adapter) throw new Error('clipgpu: WebGPU is available but no adapter was returned: enable WebGPU in the browser (chrome://flags/#enable-unsafe-webgpu) or update the GPU driver.');
  } else if (inNode()) {
    ({ adapter, software } = await nodeAdapter(options));
  } else {
    throw new Error('clipgpu: this browser has no WebGPU (navigator.gpu is missing). Use a recent Chrome, Edge or Safari, or Firefox with WebGPU enabled, over https or http://localhost.');
  }

  const wanted = options.optionalFeatures ?? DEFAULT_FEATURES;
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const l = adapter.limits;
  const cap = options.limits ?? {};
  for (const [k, v] of Object.entries(cap))
    if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`clipgpu: requestDevice limits.${k} must be a positive integer, got ${v}`);
  const capped = (key: 'maxStorageBufferBindingSize' | 'maxBufferSize', value: number) => Math.min(value, cap[key] ?? Infinity);
  const device = await adapter.requestDevice({
    label: 'clipgpu',
    requiredFeatures,
    requiredLimits: {
      // never below WebGPU's defaults (a device gets at least those whatever is asked)
      maxStorageBufferBindingSize: Math.max(capped('maxStorageBufferBindingSize', l.maxStorageBufferBindingSize), Math.min(134217728, l.maxStorageBufferBindingSize)),
      maxBufferSize: Math.max(capped('maxBufferSize', l.maxBufferSize), Math.min(268435456, l.maxBufferSize)),
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
  const info = adapter.info;
  // Chromium names SwiftShader only in `architecture`; Dawn in Node in `device`/`description`
  software ||= /swiftshader/i.test(`${info?.architecture} ${info?.device} ${info?.description} ${info?.vendor}`);
  return {
    device,
    adapter: {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
      software,
      features: [...device.features].sort(),
      limits: {
        maxStorageBufferBindingSize: capped('maxStorageBufferBindingSize', device.limits.maxStorageBufferBindingSize),
        maxBufferSize: capped('maxBufferSize', device.limits.maxBufferSize),
        maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
      },
    },
  };
}

/** A one-line name for reports and results files: "swiftshader (google, software)". */
export function adapterName(a: AdapterReport): string {
  const name = a.description || a.device || a.architecture || a.vendor || 'unknown adapter';
  return `${name}${a.vendor && !name.includes(a.vendor) ? ` (${a.vendor}${a.software ? ', software' : ''})` : a.software ? ' (software)' : ''}`;
}
