// Headless Chromium with WebGPU on SwiftShader (no GPU needed): the binary and the flags every
// browser suite launches it with.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A browser with a fresh profile; close() also removes the profile. */
export async function launchChromium({ headless = process.env.CLIPGPU_BROWSER_HEADFUL !== '1' } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'clipgpu-chromium-'));
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless, args: CHROMIUM_ARGS, userDataDir: profile });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
