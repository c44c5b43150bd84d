// WebGPU in Node through Dawn (the `webgpu` package), falling back to SwiftShader, a CPU Vulkan
// driver, where no GPU adapter exists. The browser build replaces this module with dawn.browser.ts.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestDeviceOptions } from './device.js';

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'];
// Dawn's instance must outlive every device made from it: once the object create() returned is
// garbage-collected the process aborts at random. Keep them here for the life of the process.
const dawnInstances: unknown[] = [];

const NO_ADAPTER_HELP =
  'no WebGPU adapter found. On a machine without a GPU install a software Vulkan driver: ' +
  'on Debian/Ubuntu `sudo apt-get install -y chromium libvulkan1` (it ships SwiftShader at ' +
  '/usr/lib/chromium/vk_swiftshader_icd.json), or point VK_ICD_FILENAMES at a vk_swiftshader_icd.json.';

// Vulkan's zero-initialise-workgroup-memory extension makes SwiftShader compile workgroup arrays
// element by element, several times slower to build a pipeline (docs/kernels/matmul.md); without
// it Dawn still zero-fills workgroup memory, with a loop in the shader.
const DAWN_FLAGS = ['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension'];

type DawnModule = { create: (flags: string[]) => GPU; globals: Record<string, unknown> };

async function loadDawn(): Promise<DawnModule> {
  try {
    // an optional dependency: imported only when Node asks for a device
    const dawn = (await import('webgpu')) as unknown as DawnModule;
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    return dawn;
  } catch (e) {
    throw new Error(`clipgpu: WebGPU in Node needs the 'webgpu' package (Dawn): npm install webgpu (${(e as Error).message})`);
  }
}

/** Node: a hardware adapter if Dawn finds one, else SwiftShader through Chromium's Vulkan ICD. */
export async function nodeAdapter(
  options: RequestDeviceOptions,
): Promise<{ adapter: GPUAdapter; software: boolean; wgslFeatures?: ReadonlySet<string> }> {
  const dawn = await loadDawn();
  if (!process.env.XDG_RUNTIME_DIR) {
    // Vulkan's window-system probing prints "XDG_RUNTIME_DIR is invalid or not set" on headless
    // machines; a private runtime dir for this process keeps that noise out of users' output.
    const dir = mkdtempSync(join(tmpdir(), 'clipgpu-xdg-'));
    process.env.XDG_RUNTIME_DIR = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  let wgslFeatures: ReadonlySet<string> | undefined;
  const tryInstance = async (): Promise<GPUAdapter | null> => {
    const gpu = dawn.create(DAWN_FLAGS);
    dawnInstances.push(gpu);
    wgslFeatures = gpu.wgslLanguageFeatures;
    return gpu.requestAdapter({ powerPreference: options.powerPreference });
  };
  const forced = options.swiftshaderIcd ?? process.env.CLIPGPU_SWIFTSHADER_ICD;
  if (!forced) {
    const adapter = await tryInstance();
    if (adapter) return { adapter, software: false, wgslFeatures };
  }
  const icd = forced ?? SWIFTSHADER_ICDS.find((p) => existsSync(p));
  if (!icd) throw new Error(`clipgpu: ${NO_ADAPTER_HELP}`);
  // The Vulkan loader reads VK_ICD_FILENAMES when Dawn enumerates adapters; it stays set for
  // this process so later instances see the same driver.
  process.env.VK_ICD_FILENAMES = icd;
  const adapter = await tryInstance();
  if (!adapter) throw new Error(`clipgpu: ${NO_ADAPTER_HELP} (tried ${icd}, which gave no adapter: is libvulkan1 installed?)`);
  return { adapter, software: true, wgslFeatures };
}
