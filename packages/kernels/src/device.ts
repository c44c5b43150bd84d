// requestDevice(): a GPUDevice in a browser (navigator.gpu) or in Node (the `webgpu` package, Dawn),
// with the largest buffer limits the adapter offers, since CLIP's weights outgrow the 128 MiB default.
import { nodeAdapter } from './dawn.node.js';

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** true when Node fell back to SwiftShader (a CPU Vulkan driver). */
  software: boolean;
  features: string[];
  /** WGSL language features of the implementation (e.g. 'subgroup_id'); empty where unreported */
  wgslFeatures: string[];
  /** the adapter's subgroup sizes, where it reports them (with the `subgroups` feature) */
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
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

const DEFAULT_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups' as GPUFeatureName, 'shader-f16'];

function inNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

/** Returns a device with the adapter's largest buffer limits and a report of what it got. */
export async function requestDevice(options: RequestDeviceOptions = {}): Promise<DeviceHandle> {
  let adapter: GPUAdapter | null;
  let software = false;
  let wgslFeatures: ReadonlySet<string> | undefined;
  const browserGpu = (globalThis as { navigator?: Navigator }).navigator?.gpu;
  if (browserGpu) {
    wgslFeatures = browserGpu.wgslLanguageFeatures;
    adapter = await browserGpu.requestAdapter({ powerPreference: options.powerPreference });
    if (!adapter)
      throw new Error(
        'clipgpu: WebGPU is available but no adapter was returned: enable WebGPU in the browser (chrome://flags/#enable-unsafe-webgpu) or update the GPU driver.',
      );
  } else if (inNode()) {
    ({ adapter, software, wgslFeatures } = await nodeAdapter(options));
  } else {
    throw new Error(
      'clipgpu: this browser has no WebGPU (navigator.gpu is missing). Use a recent Chrome, Edge or Safari, or Firefox with WebGPU enabled, over https or http://localhost.',
    );
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
      maxStorageBufferBindingSize: Math.max(
        capped('maxStorageBufferBindingSize', l.maxStorageBufferBindingSize),
        Math.min(134217728, l.maxStorageBufferBindingSize),
      ),
      maxBufferSize: Math.max(capped('maxBufferSize', l.maxBufferSize), Math.min(268435456, l.maxBufferSize)),
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
  const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
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
      wgslFeatures: [...(wgslFeatures ?? [])].sort(),
      subgroupMinSize: info?.subgroupMinSize,
      subgroupMaxSize: info?.subgroupMaxSize,
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
