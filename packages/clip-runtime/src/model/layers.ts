// The transformer pieces of Hugging Face's modeling_clip, same names, on our ops: Linear,
// LayerNorm, CLIPAttention, CLIPMLP, CLIPEncoderLayer, CLIPEncoder. Weights are looked up by
// their Hugging Face names in a Weights map.
import { ops, type Tensor } from '../tensor/index.js';
import { composedAttention } from './attention.js';
import type { HiddenAct } from './config.js';

/**
 * How self-attention is computed, as Hugging Face's `attn_implementation`: 'fused' runs the
 * flash-style attention kernels; 'composed' the same function from matmul, softmax and permute,
 * each with its own backward (faster to train at small shapes on some devices). Same weights.
 */
export type AttnImplementation = 'fused' | 'composed';

export interface ModelOptions {
  /** default 'fused' */
  attnImplementation?: AttnImplementation;
}

/** The name of a table's i-th row block, for a table split to fit the binding limit. */
export const rowBlockName = (name: string, i: number) => `${name}[${i}]`;

export class Weights {
  constructor(readonly tensors: Map<string, Tensor>) {}
  get(name: string): Tensor {
    const t = this.tensors.get(name);
    if (!t)
      throw new Error(
        `CLIP weights: missing tensor '${name}'${this.tensors.has(rowBlockName(name, 0)) ? ' (it is stored in row blocks: rowBlocks())' : ''}`,
      );
    return t;
  }
  /** A table as its row blocks in order: the one tensor, or name[0], name[1], … (see loadWeights). */
  rowBlocks(name: string): Tensor[] {
    const whole = this.tensors.get(name);
    if (whole) return [whole];
    const blocks: Tensor[] = [];
    for (let i = 0; this.tensors.has(rowBlockName(name, i)); i++) blocks.push(this.tensors.get(rowBlockName(name, i))!);
    if (!blocks.length) throw new Error(`CLIP weights: missing tensor '${name}'`);
    return blocks;
  }
  has(name: string): boolean {
    return this.tensors.has(name);
  }
  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}

export class Linear {
  readonly weight: Tensor;
  readonly bias?: Tensor;
  constructor(w: Weights, prefix: string, hasBias = true) {
    this.weight = w.get(`${prefix}.weight`);
    this.bias = hasBias ? w.get(`${prefix}.bias`) : undefined;
  }
  forward(x: Tensor, opts?: ops.LinearOptions): Tensor {
    return ops.linear(x, this.weight, this.bias, opts);
  }
}

export class LayerNorm {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    w: Weights,
    prefix: string,
    readonly eps: number,
  ) {
    this.weight = w.get(`${prefix}.weight`);
    this.bias = w.get(`${prefix}.bias`);
  }
  forward(x: Tensor): Tensor {
    return ops.layerNorm(x, this.weight, this.bias, this.eps);
  }
}

const ACTIVATION: Record<HiddenAct, 'quickGelu' | 'gelu'> = { quick_gelu: 'quickGelu', gelu: 'gelu' };

export class ClipAttention {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly out_proj: Linear;
  constructor(
    w: Weights,
    prefix: string,
    readonly numHeads: number,
    readonly implementation: AttnImplementation = 'fused',
  ) {
    this.q_proj = new Linear(w, `${prefix}.q_proj`);
    this.k_proj = new Linear(w, `${prefix}.k_proj`);
    this.v_proj = new Linear(w, `${prefix}.v_proj`);
    this.out_proj = new Linear(w, `${prefix}.out_proj`);
  }
  /** out_proj(attention(q, k, v)) + residual, the residual fused into out_proj's epilogue. */
  forward(x: Tensor, residual: Tensor, causal: boolean): Tensor {
    const q = this.q_proj.forward(x);
    const k = this.k_proj.forward(x);
    const v = this.v_proj.forward(x);
    const a =
      this.implementation === 'composed'
        ? composedAttention(q, k, v, this.numHeads, causal)
        : ops.attention(q, k, v, { heads: this.numHeads, causal });
    const out = this.out_proj.forward(a, { residual });
    [q, k, v, a].forEach((t) => t.dispose());
    return out;
  }
}

export class ClipMlp {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(
    w: Weights,
    prefix: string,
    readonly act: HiddenAct,
  ) {
    this.fc1 = new Linear(w, `${prefix}.fc1`);
    this.fc2 = new Linear(w, `${prefix}.fc2`);
  }
  /** fc2(act(fc1(x))) + residual; activation and residual fused into the matmuls. */
  forward(x: Tensor, residual: Tensor): Tensor {
    const h = this.fc1.forward(x, { activation: ACTIVATION[this.act] });
    const out = this.fc2.forward(h, { residual });
    h.dispose();
    return out;
  }
}

export interface EncoderConfig {
  hidden_act: HiddenAct;
  num_attention_heads: number;
  num_hidden_layers: number;
  layer_norm_eps: number;
}

export class ClipEncoderLayer {
  readonly layer_norm1: LayerNorm;
  readonly self_attn: ClipAttention;
  readonly layer_norm2: LayerNorm;
  readonly mlp: ClipMlp;
  constructor(w: Weights, prefix: string, c: EncoderConfig, options: ModelOptions = {}) {
    this.layer_norm1 = new LayerNorm(w, `${prefix}.layer_norm1`, c.layer_norm_eps);
    this.self_attn = new ClipAttention(w, `${prefix}.self_attn`, c.num_attention_heads, options.attnImplementation);
    this.layer_norm2 = new LayerNorm(w, `${prefix}.layer_norm2`, c.layer_norm_eps);
    this.mlp = new ClipMlp(w, `${prefix}.mlp`, c.hidden_act);
  }
  forward(hidden: Tensor, causal: boolean): Tensor {
    const x1 = this.layer_norm1.forward(hidden);
    const h1 = this.self_attn.forward(x1, hidden, causal);
    const x2 = this.layer_norm2.forward(h1);
    const h2 = this.mlp.forward(x2, h1);
    [x1, h1, x2].forEach((t) => t.dispose());
    return h2;
  }
}

export class ClipEncoder {
  readonly layers: ClipEncoderLayer[];
  constructor(w: Weights, prefix: string, c: EncoderConfig, options: ModelOptions = {}) {
    this.layers = Array.from({ length: c.num_hidden_layers }, (_, i) => new ClipEncoderLayer(w, `${prefix}.layers.${i}`, c, options));
  }
  /** The last hidden state; with `hiddenStates`, each layer's output is pushed there (kept alive). */
  forward(inputs: Tensor, causal: boolean, hiddenStates?: Tensor[]): Tensor {
    let h = inputs;
    for (const layer of this.layers) {
      const next = layer.forward(h, causal);
      if (hiddenStates) hiddenStates.push(next);
      else if (h !== inputs) h.dispose();
      h = next;
    }
    return h === inputs ? ops.reshape(inputs, inputs.shape) : h;
  }
}
