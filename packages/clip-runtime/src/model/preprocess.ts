// CLIPImageProcessor on the GPU: shortest side to image_size with PIL's antialiased bicubic,
// rounded to 8 bits after each pass as PIL's uint8 resampling does, center crop, /255, then CLIP's
// mean and std.
import { ops, Tensor, tidy, type Runtime } from '../tensor/index.js';
import type { RgbImage } from '../io/image.js';

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
/** Largest resized image preprocessing accepts (4 Mpixel: aspect ratios up to ~1:80 at 224 px). */
export const MAX_RESIZED_PIXELS = 1 << 22;

/** Hugging Face's get_resize_output_image_size(shortest_edge=size, default_to_square=False). */
export function resizeOutputSize(height: number, width: number, size: number): [number, number] {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.floor((size * long) / short);
  return width <= height ? [newLong, size] : [size, newLong];
}

/** RGB bytes → a normalized [1, 3, size, size] tensor, as CLIPImageProcessor does. */
export function preprocessImage(img: RgbImage, size: number, rt: Runtime): Tensor {
  const { width, height, data } = img;
  // the shortest side goes to `size`: a very thin image would become a huge intermediate
  const [h, w] = resizeOutputSize(height, width, size);
  if (h * w > MAX_RESIZED_PIXELS)
    throw new Error(
      `image of ${width}×${height}: resizing its shortest side to ${size} gives ${w}×${h}, over ${MAX_RESIZED_PIXELS} pixels (aspect ratio too extreme)`,
    );
  const plane = width * height;
  const chw = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) chw[c * plane + i] = data[3 * i + c];
  return tidy(() => {
    const x = Tensor.from(chw, [1, 3, height, width], { runtime: rt });
    // PIL resizes an 8-bit image in two passes, horizontal then vertical, each rounded to 8 bits
    const toBytes = (t: Tensor) => ops.unary('round', ops.clamp(t, 0, 255));
    const wide = w === width ? x : toBytes(ops.resize(x, height, w, { mode: 'bicubic', antialias: true }));
    const bytes = h === height ? wide : toBytes(ops.resize(wide, h, w, { mode: 'bicubic', antialias: true }));
    const top = Math.floor((h - size) / 2);
    const left = Math.floor((w - size) / 2);
    const cropped = ops.slice(ops.slice(bytes, 2, top, top + size), 3, left, left + size);
    // (x/255 − mean)/std as one multiply and one add per channel
    const scale = Tensor.from(
      CLIP_STD.map((s) => 1 / (255 * s)),
      [3, 1, 1],
      { runtime: rt },
    );
    const shift = Tensor.from(
      CLIP_MEAN.map((m, c) => -m / CLIP_STD[c]),
      [3, 1, 1],
      { runtime: rt },
    );
    return ops.add(ops.mul(cropped, scale), shift);
  });
}
