// Decoded pixels: the RGB image every decoder returns, and the conversions the codecs share.

/** 8-bit RGB pixels, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ImageKind = 'png' | 'jpeg' | 'webp' | 'unknown';

export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    data[3 * i] = rgba[j];
    data[3 * i + 1] = rgba[j + 1];
    data[3 * i + 2] = rgba[j + 2];
  }
  return { width, height, data };
}

/** The pixels of a drawable (canvas, bitmap, image element), drawn on a 2D canvas. */
export function drawnPixels(src: CanvasImageSource & { width: number; height: number }, label: string): RgbImage {
  const { width, height } = src;
  if (!width || !height) throw new Error(`${label}: the image has no pixels (not loaded yet?)`);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error(`${label}: no 2D canvas to read the pixels`);
  ctx.drawImage(src, 0, 0);
  return rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height);
}
