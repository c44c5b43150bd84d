// Images in a browser, through its own decoders (createImageBitmap) and a canvas: no codec ships
// in the page's bundle. Stands in for codecs.node.ts in the browser build.
import { drawnPixels } from './pixels.js';
import type * as NodeTwin from './codecs.node.js';

export const decodeEncoded: typeof NodeTwin.decodeEncoded = async (bytes, k, label) => {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>])).catch(() => {
    throw new Error(
      `${label}: ${k === 'unknown' ? 'not an image this browser can decode' : `cannot decode the ${k.toUpperCase()} image`} (${bytes.length} bytes)`,
    );
  });
  return drawnPixels(bitmap, label);
};

export const encodeRgbaPng: typeof NodeTwin.encodeRgbaPng = async (rgba, width, height) => {
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
};
