// CLIPTextTransformer: token + position embeddings, a causal encoder, final_layer_norm, and the
// pooled row at the end token, as Hugging Face's modeling_clip.
import { ops, Tensor } from '../tensor/index.js';
import type { ClipTextConfig } from './config.js';
import { ClipEncoder, LayerNorm, type Weights, type ModelOptions } from './layers.js';

export interface TextOutput {
  last_hidden_state: Tensor;
  pooler_output: Tensor;
  /** embeddings output then each layer's output, when asked */
  hidden_states?: Tensor[];
}

/**
 * The row each sequence is pooled at: Hugging Face's rule. Legacy configs (eos_token_id 2) take
 * the largest id (OpenAI's end token is the last of the vocabulary); others the first eos_token_id.
 */
export function poolPositions(ids: Int32Array, batch: number, length: number, eosTokenId: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    const row = ids.subarray(b * length, (b + 1) * length);
    let at = 0;
    if (eosTokenId === 2) {
      for (let i = 1; i < length; i++) if (row[i] > row[at]) at = i;
    } else {
      at = row.indexOf(eosTokenId);
      // HF: argmax of (ids == eos) is 0 when no eos is present
      if (at < 0) at = 0;
    }
    out.push(b * length + at);
  }
  return out;
}

export class ClipTextTransformer {
  /** [vocab_size, hidden_size], in row blocks when over the binding limit */
  readonly token_embedding: readonly Tensor[];
  readonly position_embedding: Tensor;
  readonly encoder: ClipEncoder;
  readonly final_layer_norm: LayerNorm;

  constructor(
    w: Weights,
    readonly config: ClipTextConfig,
    options: ModelOptions = {},
  ) {
    this.token_embedding = w.rowBlocks('text_model.embeddings.token_embedding.weight');
    this.position_embedding = w.get('text_model.embeddings.position_embedding.weight');
    this.encoder = new ClipEncoder(w, 'text_model.encoder', config, options);
    this.final_layer_norm = new LayerNorm(w, 'text_model.final_layer_norm', config.layer_norm_eps);
  }

  /** ids: int32 [B, L] on the GPU, with their host copy (validated, and used for pooling). */
  forward(ids: Tensor, hostIds: Int32Array, opts: { outputHiddenStates?: boolean } = {}): TextOutput {
    const [batch, length] = ids.shape;
    const c = this.config;
    if (length > c.max_position_embeddings)
      throw new Error(`CLIP text: sequence length ${length} exceeds the context of ${c.max_position_embeddings} tokens`);
    const tokens = ops.embedding(this.token_embedding, ids, hostIds);
    const positions = ops.slice(this.position_embedding, 0, 0, length);
    const embeddings = ops.add(tokens, positions);
    tokens.dispose();
    positions.dispose();
    const hidden_states = opts.outputHiddenStates ? [embeddings] : undefined;
    const encoded = this.encoder.forward(embeddings, true, hidden_states);
    if (!hidden_states) embeddings.dispose();
    const last_hidden_state = this.final_layer_norm.forward(encoded);
    if (!hidden_states) encoded.dispose();
    const at = poolPositions(hostIds, batch, length, c.eos_token_id);
    const rows = ops.reshape(last_hidden_state, [batch * length, c.hidden_size]);
    const index = Tensor.from(Int32Array.from(at), [batch], { runtime: ids.rt });
    const pooler_output = ops.embedding(rows, index);
    rows.dispose();
    index.dispose();
    return { last_hidden_state, pooler_output, hidden_states };
  }
}
