// CLIPModel: the two towers and their projections, as Hugging Face's modeling_clip.CLIPModel.
import type { Tensor } from '../tensor/index.js';
import type { ClipConfig } from './config.js';
import { Linear, type ModelOptions, type Weights } from './layers.js';
import { ClipTextTransformer, type TextOutput } from './text.js';
import { ClipVisionTransformer, type VisionOutput } from './vision.js';

export class ClipModel {
  readonly text_model: ClipTextTransformer;
  readonly vision_model: ClipVisionTransformer;
  readonly visual_projection: Linear;
  readonly text_projection: Linear;
  readonly logit_scale: Tensor;

  constructor(
    readonly weights: Weights,
    readonly config: ClipConfig,
    options: ModelOptions = {},
  ) {
    this.text_model = new ClipTextTransformer(weights, config.text_config, options);
    this.vision_model = new ClipVisionTransformer(weights, config.vision_config, options);
    this.visual_projection = new Linear(weights, 'visual_projection', false);
    this.text_projection = new Linear(weights, 'text_projection', false);
    this.logit_scale = weights.get('logit_scale');
  }

  /** text_projection(pooled text) [B, projection_dim]; `out` receives the tower's outputs when given. */
  get_text_features(ids: Tensor, hostIds: Int32Array, out?: { text?: TextOutput }): Tensor {
    const t = this.text_model.forward(ids, hostIds, { outputHiddenStates: !!out });
    const features = this.text_projection.forward(t.pooler_output);
    if (out) out.text = t;
    else [t.last_hidden_state, t.pooler_output].forEach((x) => x.dispose());
    return features;
  }

  /** visual_projection(pooled image) [B, projection_dim]. */
  get_image_features(pixel_values: Tensor, out?: { vision?: VisionOutput }): Tensor {
    const v = this.vision_model.forward(pixel_values, { outputHiddenStates: !!out });
    const features = this.visual_projection.forward(v.pooler_output);
    if (out) out.vision = v;
    else [v.last_hidden_state, v.pooler_output].forEach((x) => x.dispose());
    return features;
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/** Frees every tensor of a tower's outputs. */
export function disposeOutput(o: TextOutput | VisionOutput | undefined): void {
  if (!o) return;
  o.last_hidden_state.dispose();
  o.pooler_output.dispose();
  o.hidden_states?.forEach((t) => t.dispose());
}
