// Writes a golden file (Node only; the browser build has golden.browser.ts): the update path of
// expectGolden() in testing.ts, taken with CLIPGPU_UPDATE_GOLDEN=1.
import { writeFileSync } from 'node:fs';

export function writeGolden(path: string, text: string): boolean {
  if (process.env.CLIPGPU_UPDATE_GOLDEN !== '1') return false;
  writeFileSync(path, text);
  return true;
}
