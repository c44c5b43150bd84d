#!/usr/bin/env python3
"""Exports a ViT-B/32 CLIP image encoder with random weights to ONNX, for the onnxruntime-web row
of the benchmark (packages/bench/src/run.mjs runs this when the file is missing).

Run: /usr/bin/python3 packages/bench/onnx/export_vit_b32.py [OUT.onnx]
(default packages/bench/.onnx/vit-b32-random.onnx, ~350 MB: generated, never committed)

Needs only Debian's python3-torch: the model is the plain-torch Hugging Face CLIP forward of
test/fixtures/make_clip_fixtures.py (vision tower + visual projection), with ViT-B/32's shapes and
random weights (the same shapes as src/e2e.ts builds for our side). Input 'pixels' [1, 3, 224, 224]
f32, output 'image_embeds' [1, 512].
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'test', 'fixtures'))
import make_clip_fixtures as clip  # noqa: E402

TEXT = dict(vocab=49408, hidden=512, inter=2048, layers=12, heads=8, ctx=77, eps=1e-5, pad=1, bos=49406, eos=49407)
VISION = dict(hidden=768, inter=3072, layers=12, heads=12, image=224, patch=32, eps=1e-5)


class ImageEncoder(torch.nn.Module):
    def __init__(self, params, cfg):
        super().__init__()
        self.cfg = cfg
        self.names = [k for k in params if k.startswith('vision_model.') or k == 'visual_projection.weight']
        for i, k in enumerate(self.names):
            self.register_buffer(f'p{i}', params[k].float().contiguous())

    def forward(self, pixels):
        p = {k: getattr(self, f'p{i}') for i, k in enumerate(self.names)}
        return clip.vision_forward(p, self.cfg, pixels)[0]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '.onnx', 'vit-b32-random.onnx')
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    cfg = clip.hf_config(TEXT, VISION, 512, 'quick_gelu', 'float32')
    params = clip.random_params(cfg, seed=32)
    model = ImageEncoder(params, cfg['vision_config']).eval()
    pixels = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(model, (pixels,), out, input_names=['pixels'], output_names=['image_embeds'], opset_version=17, do_constant_folding=True)
    print(f'wrote {out} ({os.path.getsize(out) / 1e6:.0f} MB)')


if __name__ == '__main__':
    main()
