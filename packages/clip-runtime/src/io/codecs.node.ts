// PNG and JPEG in Node, where no image decoder is built in: pngjs and jpeg-js. The browser build
// replaces this module with codecs.browser.ts, which uses the browser's own codecs.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type ImageKind, type RgbImage, rgbaToRgb } from './pixels.js';

/** Decodes PNG or JPEG bytes whose claimed size image.ts has already checked. */
export async function decodeEncoded(bytes: Uint8Array, k: ImageKind, label: string): Promise<RgbImage> {
  try {
    if (k === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return rgbaToRgb(png.data, png.width, png.height);
    }
    if (k === 'jpeg') {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return rgbaToRgb(img.data, img.width, img.height);
    }
  } catch (e) {
    throw new Error(`${label}: cannot decode the ${k.toUpperCase()} image: ${(e as Error).message}`);
  }
  if (k === 'webp') throw new Error(`${label}: WebP is decoded in browsers only; convert it to PNG or JPEG for Node`);
  throw new Error(`${label}: not a PNG or JPEG image (${bytes.length} bytes)`);
}

export async function encodeRgbaPng(rgba: Uint8ClampedArray, width: number, height: number): Promise<Uint8Array> {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}
