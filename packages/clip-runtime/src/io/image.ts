// Image decoding and encoding. Node: PNG (pngjs) and JPEG (jpeg-js) from paths or bytes
// (codecs.node.ts). Browsers: ImageBitmap, HTMLImageElement, ImageData, Blob and bytes through the
// browser's own decoders (codecs.browser.ts, which the browser build puts in its place).
import { decodeEncoded, encodeRgbaPng } from './codecs.node.js';
import { drawnPixels, type ImageKind, type RgbImage, rgbaToRgb } from './pixels.js';
import { readLocalFile } from './local.node.js';

export type { RgbImage } from './pixels.js';

export type ImageSource =
  | string
  | Uint8Array
  | ArrayBuffer
  | RgbImage
  | Blob
  | ImageData
  | ImageBitmap
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas;

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

function kind(bytes: Uint8Array): ImageKind {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'webp';
  return 'unknown';
}

/** Images larger than this are refused before decoding (jpeg-js's own default limit). */
export const MAX_IMAGE_PIXELS = 100_000_000;
/** deflate never expands data more than about 1032 : 1. */
const DEFLATE_MAX_RATIO = 1032;

/**
 * The size an image header claims, checked before a decoder allocates for it: a few hundred bytes
 * with a forged IHDR or SOF (30000 × 30000) otherwise make pngjs or jpeg-js allocate gigabytes
 * and spend minutes on garbage. A PNG's compressed data must be able to hold its pixels; a
 * JPEG spends at least 1 bit per 8×8 block (512 pixels per byte).
 */
function checkClaimedSize(bytes: Uint8Array, k: 'png' | 'jpeg', label: string): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (msg: string): never => {
    throw new Error(`${label}: ${msg}`);
  };
  const tooMany = (w: number, h: number) => {
    if (w * h > MAX_IMAGE_PIXELS) fail(`the ${k.toUpperCase()} header claims ${w}×${h} pixels, more than the limit of ${MAX_IMAGE_PIXELS}`);
  };
  if (k === 'png') {
    if (bytes.length < 33) fail(`a PNG of ${bytes.length} bytes is too short for its header`);
    const w = dv.getUint32(16);
    const h = dv.getUint32(20);
    tooMany(w, h);
    const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[bytes[25]] ?? 1;
    const raw = h * Math.ceil((w * channels * bytes[24]) / 8);
    let idat = 0;
    for (let at = 8; at + 8 <= bytes.length; ) {
      const len = dv.getUint32(at);
      if (String.fromCharCode(...bytes.subarray(at + 4, at + 8)) === 'IDAT') idat += Math.min(len, bytes.length - at - 8);
      at += 12 + len;
    }
    if (raw > DEFLATE_MAX_RATIO * idat + 1024)
      fail(`the PNG header claims ${w}×${h} pixels but its ${idat} bytes of image data cannot hold them (a damaged or forged file)`);
    return;
  }
  for (let at = 2; at + 9 < bytes.length; ) {
    if (bytes[at] !== 0xff) return; // entropy-coded data or damage: leave it to the decoder
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const h = dv.getUint16(at + 5);
      const w = dv.getUint16(at + 7);
      tooMany(w, h);
      // every 8×8 block costs at least one bit (its DC difference), progressive files included
      if (w * h > 512 * bytes.length)
        fail(`the JPEG header claims ${w}×${h} pixels, more than its ${bytes.length} bytes can hold (a damaged or forged file)`);
      return;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) at += 2;
    else at += 2 + dv.getUint16(at + 2);
  }
}

async function decodeBytes(bytes: Uint8Array, label: string): Promise<RgbImage> {
  const k = kind(bytes);
  if (k === 'png' || k === 'jpeg') checkClaimedSize(bytes, k, label);
  return decodeEncoded(bytes, k, label);
}

/** Decodes any supported image source to RGB bytes. */
export async function decodeImage(src: ImageSource, label = 'image'): Promise<RgbImage> {
  if (typeof src === 'string') {
    if (isNode() && !/^(https?:|data:|blob:)/.test(src)) return decodeBytes(await readLocalFile(src, 'image'), src);
    const res = await fetch(src);
    if (!res.ok) throw new Error(`${src}: HTTP ${res.status}`);
    return decodeBytes(new Uint8Array(await res.arrayBuffer()), src);
  }
  if (src instanceof Uint8Array) return decodeBytes(src, label);
  if (src instanceof ArrayBuffer) return decodeBytes(new Uint8Array(src), label);
  if ('data' in src && src.data instanceof Uint8Array && 'width' in src) {
    const { width, height, data } = src as RgbImage;
    if (data.length !== width * height * 3)
      throw new Error(`${label}: RGB data of ${data.length} bytes does not match ${width}×${height}×3`);
    return src as RgbImage;
  }
  if (typeof ImageData !== 'undefined' && src instanceof ImageData) return rgbaToRgb(src.data, src.width, src.height);
  if (typeof Blob !== 'undefined' && src instanceof Blob) {
    return decodeBytes(new Uint8Array(await src.arrayBuffer()), label);
  }
  if (typeof HTMLImageElement !== 'undefined' && src instanceof HTMLImageElement) await src.decode();
  return drawnPixels(src as CanvasImageSource & { width: number; height: number }, label);
}

/** Encodes RGB pixels as PNG bytes. */
export async function encodePng(img: RgbImage): Promise<Uint8Array> {
  const rgba = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    rgba.set(img.data.subarray(3 * i, 3 * i + 3), 4 * i);
    rgba[4 * i + 3] = 255;
  }
  return encodeRgbaPng(rgba, img.width, img.height);
}

/** [1 or C=3, H, W] floats in [0, 1] (CHW) → RGB bytes, rounding and clamping. */
export function chwToRgb(chw: Float32Array, height: number, width: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const plane = width * height;
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < plane; i++) data[3 * i + c] = Math.max(0, Math.min(255, Math.round(chw[c * plane + i] * 255)));
  return { width, height, data };
}

/** n images [n, 3, size, size] (CHW floats in [0, 1]) side by side, `cols` to a row, each pixel scale×scale. */
export function chwGrid(batch: Float32Array, n: number, size: number, cols: number, scale = 1): RgbImage {
  const rows = Math.ceil(n / cols);
  const cell = size * scale;
  const [width, height] = [cols * cell, rows * cell];
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < n; i++) {
    const img = chwToRgb(batch.subarray(i * 3 * size * size, (i + 1) * 3 * size * size), size, size).data;
    const [x0, y0] = [(i % cols) * cell, Math.floor(i / cols) * cell];
    for (let y = 0; y < cell; y++)
      for (let x = 0; x < cell; x++) {
        const from = 3 * (Math.floor(y / scale) * size + Math.floor(x / scale));
        data.set(img.subarray(from, from + 3), 3 * ((y0 + y) * width + x0 + x));
      }
  }
  return { width, height, data };
}
