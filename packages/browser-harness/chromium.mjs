// Headless Chromium with WebGPU, launched the same way by every browser test and the benchmark.
// Without a GPU (the default): Dawn on SwiftShader, Chromium's CPU Vulkan driver, so the tests
// run on any machine. With CLIPGPU_CHROMIUM_GPU=1 (or { gpu: true }): the machine's GPU through
// Vulkan, for scripts/gpu-check.sh. CLIPGPU_CHROMIUM_FLAGS adds flags (space-separated);
// CHROMIUM_PATH picks the binary (default /usr/bin/chromium).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const COMMON = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // a timed run must not be slowed down for being in a background tab or an occluded window
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];
const SOFTWARE = ['--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface'];
const HARDWARE = ['--enable-features=Vulkan', '--use-angle=vulkan', '--ignore-gpu-blocklist', '--disable-vulkan-surface'];

/** true when CLIPGPU_CHROMIUM_GPU asks for the machine's GPU rather than SwiftShader. */
export const wantsGpu = () => /^(1|true|yes)$/i.test(process.env.CLIPGPU_CHROMIUM_GPU ?? '');

/** The command-line flags: SwiftShader, or the GPU with { gpu: true }, then CLIPGPU_CHROMIUM_FLAGS. */
export function chromiumArgs({ gpu = wantsGpu() } = {}) {
  const extra = (process.env.CLIPGPU_CHROMIUM_FLAGS ?? '').split(' ').filter(Boolean);
  return [...COMMON, ...(gpu ? HARDWARE : SOFTWARE), ...extra];
}

/**
 * Launches Chromium with a fresh profile (removed on close) and those flags.
 * @param {{ headless?: boolean, gpu?: boolean, args?: string[] } & import('puppeteer-core').LaunchOptions} [opts]
 * @returns {Promise<import('puppeteer-core').Browser>}
 */
export async function launchChromium({ gpu, args = [], ...opts } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'clipgpu-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    ...opts,
    args: [...chromiumArgs({ gpu }), ...args],
    userDataDir: profile,
  });
  const close = browser.close.bind(browser);
  browser.close = async () => {
    try {
      await close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  return browser;
}
