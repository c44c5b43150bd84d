// Prompts of guided generation: texts, token ids, images or raw embeddings, each with a weight
// (negative: steer away), turned into normalized CLIP embeddings once per run.
import type { Clip } from '../clip.js';
import type { ImageSource } from '../io/image.js';
import { resizeOutputSize } from '../model/preprocess.js';
import { noGrad, ops, Tensor, tidy } from '../tensor/index.js';
import type { Target } from './losses.js';
import { Cutouts } from './cutouts.js';

export type PromptInput =
  | { text: string; weight?: number; label?: string }
  /** token ids (int32 [1, L] or [L], or numbers), for models without tokenizer files */
  | { tokens: Tensor | Int32Array | readonly number[]; weight?: number; label?: string }
  /** an image file / element / bytes, or a Tensor [1, 3, H, W] in [0, 1] (e.g. an earlier result) */
  | { image: ImageSource | Tensor; weight?: number; label?: string }
  /** a CLIP embedding [projection_dim] (normalized here) */
  | { embedding: Tensor | Float32Array | readonly number[]; weight?: number; label?: string };

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * VQGAN+CLIP's prompt syntax: "a red apple:1|blurry:-0.5". Prompts are separated by '|'; a
 * trailing ':number' is the weight (default 1); a ':' not followed by a number is part of the text.
 */
export function parsePrompts(spec: string): { text: string; weight: number }[] {
  if (typeof spec !== 'string') throw new Error(`parsePrompts: expected a string, got ${typeof spec}`);
  return spec.split('|').map((part, i) => {
    let text = part;
    let weight = 1;
    const at = part.lastIndexOf(':');
    if (at >= 0 && NUMBER.test(part.slice(at + 1).trim())) {
      text = part.slice(0, at);
      weight = Number(part.slice(at + 1).trim());
    }
    text = text.trim();
    if (!text) throw new Error(`parsePrompts: prompt ${i + 1} of "${spec}" is empty`);
    return { text, weight };
  });
}

function kindOf(p: PromptInput): 'text' | 'tokens' | 'image' | 'embedding' {
  const keys = (['text', 'tokens', 'image', 'embedding'] as const).filter((k) => k in p && (p as Record<string, unknown>)[k] !== undefined);
  if (keys.length !== 1)
    throw new Error(
      `generate: a prompt needs exactly one of text, tokens, image or embedding, got ${keys.length ? keys.join(' and ') : 'none'}`,
    );
  return keys[0];
}

/** Checks prompts (a list, or one string in parsePrompts syntax) without touching the GPU. */
export function checkPrompts(prompts: readonly PromptInput[] | string | undefined): PromptInput[] {
  const list = typeof prompts === 'string' ? parsePrompts(prompts) : prompts;
  if (!list || !Array.isArray(list) || list.length === 0)
    throw new Error('generate: no prompts: give at least one text, image or embedding prompt');
  list.forEach((p, i) => {
    if (!p || typeof p !== 'object') throw new Error(`generate: prompt ${i} is not an object`);
    const k = kindOf(p);
    if (p.weight !== undefined && !Number.isFinite(p.weight))
      throw new Error(`generate: prompt ${i} has weight ${p.weight} (must be a finite number)`);
    if (k === 'text' && !(typeof (p as { text: string }).text === 'string' && (p as { text: string }).text.trim()))
      throw new Error(`generate: prompt ${i} has an empty text`);
  });
  return [...list];
}

function labelOf(p: PromptInput, i: number): string {
  if (p.label) return p.label;
  if ('text' in p && typeof p.text === 'string') return p.text;
  if ('image' in p && typeof p.image === 'string') return p.image;
  return `${kindOf(p)} ${i}`;
}

/** An RGB tensor [1, 3, H, W] in [0, 1] → CLIP's normalized input [1, 3, S, S] (shorter side to S, bicubic, center crop). */
function preprocessTensor(x: Tensor, size: number, cutouts: Cutouts): Tensor {
  // a view carries no gradient link: nothing is recorded even if x requires a gradient
  const img = x.view(x.shape.length === 3 ? [1, ...x.shape] : x.shape);
  try {
    if (img.shape.length !== 4 || img.shape[0] !== 1 || img.shape[1] !== 3)
      throw new Error(`generate: an image prompt tensor must be [1, 3, H, W] in [0, 1], got [${x.shape.join(', ')}]`);
    const [, , h, w] = img.shape;
    const [rh, rw] = resizeOutputSize(h, w, size);
    return tidy(() => {
      const resized = rh === h && rw === w ? img : ops.resize(img, rh, rw, { mode: 'bicubic', antialias: true });
      const top = Math.floor((rh - size) / 2);
      const left = Math.floor((rw - size) / 2);
      return cutouts.normalize(ops.slice(ops.slice(resized, 2, top, top + size), 3, left, left + size));
    });
  } finally {
    img.dispose();
  }
}

/** Normalized target embeddings, one per prompt (texts encoded in one batch). */
export async function encodePrompts(clip: Clip, prompts: readonly PromptInput[] | string): Promise<Target[]> {
  const list = checkPrompts(prompts);
  const rt = clip.runtime;
  const D = clip.config.projection_dim;
  const S = clip.config.vision_config.image_size;
  const raw: (Tensor | undefined)[] = new Array(list.length);
  const helper = new Cutouts(rt, { cutSize: S, cutn: 1, augment: false });
  try {
    {
      // (no tensor here requires a gradient, so nothing is recorded)
      const texts = list.map((p, i) => ('text' in p && p.text !== undefined ? i : -1)).filter((i) => i >= 0);
      if (texts.length) {
        const emb = await clip.encodeText(texts.map((i) => (list[i] as { text: string }).text.trim()));
        texts.forEach((i, k) => (raw[i] = ops.slice(emb, 0, k, k + 1)));
        emb.dispose();
      }
      for (let i = 0; i < list.length; i++) {
        const p = list[i];
        if ('tokens' in p && p.tokens !== undefined) {
          const t = p.tokens;
          const ids =
            t instanceof Tensor
              ? t.shape.length === 1
                ? t.view([1, t.size])
                : t
              : Tensor.from(Int32Array.from(t), [1, t.length], { runtime: rt });
          if (ids.dtype !== 'i32' || ids.shape.length !== 2 || ids.shape[0] !== 1)
            throw new Error(`generate: prompt ${i}: tokens must be int32 ids [1, L] or [L], got ${ids}`);
          raw[i] = await clip.encodeText(ids);
          if (ids !== t) ids.dispose();
        } else if ('image' in p && p.image !== undefined) {
          const pixels = p.image instanceof Tensor ? preprocessTensor(p.image, S, helper) : await clip.preprocess([p.image]);
          raw[i] = await clip.encodeImage(pixels);
          pixels.dispose();
        } else if ('embedding' in p && p.embedding !== undefined) {
          const e = p.embedding;
          const n = e instanceof Tensor ? e.size : e.length;
          if (n !== D) throw new Error(`generate: prompt ${i}: the embedding has ${n} values, the model's projection_dim is ${D}`);
          raw[i] = e instanceof Tensor ? e.view([1, D]) : Tensor.from(Float32Array.from(e), [1, D], { runtime: rt });
        }
      }
    }
    return list.map((p, i) => {
      const embedding = noGrad(() => tidy(() => ops.reshape(ops.normalize(raw[i]!), [D])));
      return { label: labelOf(p, i), weight: p.weight ?? 1, embedding };
    });
  } finally {
    raw.forEach((t) => t?.dispose());
    helper.dispose();
  }
}
