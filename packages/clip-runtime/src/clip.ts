// The user-facing CLIP: loadClip(source) → encodeText, encodeImage, preprocess, classify.
import { decodeImage, type ImageSource } from './io/image.js';
import { resolveFiles, type FileContents, type ModelFiles } from './io/files.js';
import { embeddedModelFiles } from './io/embedded.js';
import { isRepoId, type HubOptions } from './io/hub.js';
import { hubModelFiles } from './io/hub-cache.node.js';
import { isLocalPath } from './io/local.node.js';
import { loadWeights, type LoadWeightsOptions } from './io/loader.js';
import { BPE_FILE, ClipTokenizer, OPENAI_VOCAB_SIZE } from './io/tokenizer.js';
import { ClipModel } from './model/clip.js';
import type { ModelOptions } from './model/layers.js';
import type { ClipConfig } from './model/config.js';
import { preprocessImage } from './model/preprocess.js';
import { init, ops, Tensor, tidy, type Runtime } from './tensor/index.js';

export interface LoadClipOptions extends LoadWeightsOptions, ModelOptions {
  /** the runtime (device) to load onto; default: the shared one from init() */
  runtime?: Runtime;
  /** where Hugging Face repo ids are fetched from and cached (weights/<repo>/ in Node, the Cache API in browsers) */
  hub?: HubOptions;
}

export type ClipSource = string | FileContents | ModelFiles;

export class Clip {
  private constructor(
    readonly model: ClipModel,
    readonly tokenizer: ClipTokenizer | undefined,
    readonly runtime: Runtime,
    /** exp(logit_scale), the temperature of the logits */
    readonly logitScale: number,
  ) {}

  /**
   * From a folder, a URL, in-memory files, or a Hugging Face repo id ('openai/clip-vit-base-patch32',
   * fetched once into the cache); without a source, the embedded clipgpu-tiny.
   */
  static async load(source?: ClipSource, opts: LoadClipOptions = {}): Promise<Clip> {
    const rt = opts.runtime ?? (await init());
    const files = source === undefined ? await embeddedModelFiles('clipgpu-tiny') : await filesOf(source, opts.hub);
    const { config, weights } = await loadWeights(files, rt, opts);
    try {
      const tokenizer = await loadTokenizer(files, config);
      const logitScale = Math.exp(await weights.get('logit_scale').item());
      return new Clip(new ClipModel(weights, config, { attnImplementation: opts.attnImplementation }), tokenizer, rt, logitScale);
    } catch (e) {
      weights.dispose();
      throw e;
    }
  }

  get config(): ClipConfig {
    return this.model.config;
  }

  /** Token ids [B, context] for texts (the model's own context length, truncated to keep the end token). */
  tokenize(texts: string[]): { ids: Int32Array; shape: [number, number] } {
    if (!this.tokenizer)
      throw new Error('CLIP: this model has no tokenizer files (vocab.json + merges.txt); pass token ids as an int32 Tensor');
    return this.tokenizer.tokenize(texts, { contextLength: this.config.text_config.max_position_embeddings });
  }

  /** Text embeddings [B, projection_dim], unnormalized. A Tensor input holds int32 ids [B, L]. */
  async encodeText(texts: string[] | Tensor): Promise<Tensor> {
    let ids: Tensor;
    let host: Int32Array;
    if (texts instanceof Tensor) {
      if (texts.dtype !== 'i32' || texts.shape.length !== 2)
        throw new Error(`CLIP encodeText: a Tensor input must be int32 ids [B, L], got ${texts}`);
      ids = texts;
      host = (await texts.toArray()) as Int32Array;
    } else {
      if (!texts.length) throw new Error('CLIP encodeText: empty batch');
      const tok = this.tokenize(texts);
      host = tok.ids;
      ids = Tensor.from(tok.ids, tok.shape, { runtime: this.runtime });
    }
    const L = ids.shape[1];
    if (L > this.config.text_config.max_position_embeddings)
      throw new Error(`CLIP encodeText: ${L} tokens exceed the context of ${this.config.text_config.max_position_embeddings}`);
    try {
      const out = this.model.get_text_features(ids, host);
      await this.runtime.gpu.sync();
      return out;
    } finally {
      if (ids !== texts) ids.dispose();
    }
  }

  /** Normalized pixels [B, 3, S, S] for images, as Hugging Face's CLIPImageProcessor (on the GPU). */
  async preprocess(images: ImageSource[]): Promise<Tensor> {
    if (!images.length) throw new Error('CLIP preprocess: empty batch');
    const decoded = await Promise.all(images.map((im, i) => decodeImage(im, typeof im === 'string' ? im : `image ${i}`)));
    const size = this.config.vision_config.image_size;
    return tidy(() => {
      const each = decoded.map((img) => preprocessImage(img, size, this.runtime));
      return each.length === 1 ? each[0] : ops.concat(each, 0);
    });
  }

  /**
   * Image embeddings [B, projection_dim], unnormalized. A Tensor input is already-normalized
   * pixels [B, 3, S, S]; gradients flow back to it when it requires them.
   */
  async encodeImage(images: ImageSource[] | Tensor): Promise<Tensor> {
    const pixels = images instanceof Tensor ? images : await this.preprocess(images);
    try {
      const out = this.model.get_image_features(pixels);
      await this.runtime.gpu.sync();
      return out;
    } finally {
      if (pixels !== images) pixels.dispose();
    }
  }

  /**
   * Normalized class embeddings [labels, D]. Each label goes into every template ("{}" marks where)
   * and its normalized text embeddings are averaged and normalized again: CLIP's prompt ensembling
   * (Radford et al. 2021, §3.1.4), which averages away what the templates add besides the label.
   */
  async encodeLabels(labels: string[], templates: string | readonly string[] = '{}'): Promise<Tensor> {
    if (!labels.length) throw new Error('CLIP classify: no labels');
    const list = typeof templates === 'string' ? [templates] : templates;
    if (!list.length) throw new Error('CLIP classify: an empty template list');
    const bad = list.find((t) => !t.includes('{}'));
    if (bad !== undefined) throw new Error(`CLIP classify: template '${bad}' has no '{}' where the label goes`);
    const emb = await this.encodeText(list.flatMap((t) => labels.map((l) => t.replace('{}', l))));
    const out = tidy(() => {
      const unit = ops.normalize(emb);
      if (list.length === 1) return unit;
      const D = unit.shape[1]!;
      const perLabel = ops.permute(ops.reshape(unit, [list.length, labels.length, D]), [1, 2, 0]); // [L, D, T]
      return ops.normalize(ops.meanLastAxis(perLabel));
    });
    emb.dispose();
    return out;
  }

  /**
   * Zero-shot classification: softmax of logitScale · cos(image, label), sorted. `template`: one
   * ("a photo of {}") or several, whose embeddings are ensembled (see encodeLabels).
   */
  async classify(
    image: ImageSource | Tensor,
    labels: string[],
    opts: { template?: string | readonly string[] } = {},
  ): Promise<{ label: string; score: number }[]> {
    const textEmb = await this.encodeLabels(labels, opts.template);
    const imageEmb = await this.encodeImage(image instanceof Tensor ? image : [image]);
    const probs = tidy(() => {
      const logits = ops.matmul(ops.normalize(imageEmb), textEmb, { transB: true });
      return ops.softmax(ops.scale(logits, this.logitScale));
    });
    const p = await probs.toArray();
    [textEmb, imageEmb, probs].forEach((t) => t.dispose());
    return labels.map((label, k) => ({ label, score: p[k] })).sort((a, b) => b.score - a.score);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** A repo id that is not a local folder goes through the hub cache; anything else is read as given. */
async function filesOf(source: ClipSource, hub?: HubOptions): Promise<ModelFiles> {
  if (typeof source === 'string' && isRepoId(source)) {
    if (!isLocalPath(source)) return hubModelFiles(source, hub);
  }
  return resolveFiles(source);
}

/**
 * The model's own tokenizer files; else, for a model with OpenAI's 49,408-token vocabulary (an
 * open_clip state dict ships none), OpenAI's tokenizer from the vocabulary in this package.
 */
async function loadTokenizer(files: ModelFiles, config: ClipConfig): Promise<ClipTokenizer | undefined> {
  if ((await files.has('vocab.json')) && (await files.has('merges.txt')))
    return ClipTokenizer.fromHuggingFace(await files.text('vocab.json'), await files.text('merges.txt'));
  if (await files.has(BPE_FILE)) return ClipTokenizer.fromBpeVocab(await files.bytes(BPE_FILE));
  if (config.text_config.vocab_size === OPENAI_VOCAB_SIZE) return ClipTokenizer.load();
  return undefined;
}

/**
 * Loads a CLIP (Hugging Face or OpenAI layout) from a folder, URL, in-memory files or a Hugging Face
 * repo id; with no source, the embedded clipgpu-tiny.
 */
export function loadClip(source?: ClipSource, opts?: LoadClipOptions): Promise<Clip> {
  return Clip.load(source, opts);
}
