#!/usr/bin/env bash
# One command for a machine with a GPU (under 8 minutes there): the kernel and CLIP parity tests on
# that GPU (Node/Dawn, and the browser suite in Chromium on the GPU), then the benchmark in both
# environments with the peak probes, the autotuner, batch 1 and 16 and end to end
# (`pnpm bench --full --tune --e2e`), its results written as packages/bench/results/<adapter>-*
# beside a log of the whole check (<adapter>-gpu-check.log).
#
#   scripts/gpu-check.sh            on a GPU
#   scripts/gpu-check.sh --quick    a dry run anywhere (SwiftShader too): a few tests, a few rows,
#                                   written under packages/bench/.out/gpu-check-quick/
#
# Without a GPU adapter (Dawn falls back to SwiftShader) it says so and runs as --quick. Each step
# has its own time limit, cut to what is left of GPU_CHECK_BUDGET_S (default 470: the whole check
# stays under 8 minutes); a failed or cut step is reported and the others still run; exit 1 if any
# failed. The benchmark writes each environment's files as soon as that environment is done.
set -uo pipefail
cd "$(dirname "$0")/.."
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
START=$SECONDS
FAILED=()
say() { echo "[gpu-check +$((SECONDS - START)) s] $*"; }
BUDGET=${GPU_CHECK_BUDGET_S:-470}
step() { # step NAME SECONDS CMD...: runs CMD with a time limit (within the budget), records a failure
  local name=$1 limit=$2 left=$((BUDGET - (SECONDS - START)))
  shift 2
  ((left < limit)) && limit=$left
  if ((limit < 10)); then
    FAILED+=("$name (no time left)")
    say "SKIPPED, no time left: $name"
    return
  fi
  say "$name (limit ${limit} s): $*"
  if ! timeout --kill-after=10 "$limit" "$@"; then
    FAILED+=("$name")
    say "FAILED: $name"
  fi
}

[[ -d node_modules ]] || pnpm install --frozen-lockfile
step build 180 pnpm build

# the adapter Node finds, as the benchmark names it
read -r SLUG SOFTWARE NAME < <(node --input-type=module -e "
  import { Gpu, adapterName } from '@clipgpu/kernels';
  const gpu = await Gpu.create();
  const name = adapterName(gpu.adapter);
  const a = gpu.adapter;
  const soft = a.software || /swiftshader|llvmpipe|lavapipe/i.test(name + ' ' + a.architecture);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-\$/g, '').slice(0, 60);
  console.log(slug, soft ? 1 : 0, name);
  gpu.destroy();
  process.exit(0);
" 2>/dev/null | tail -1)
if [[ -z "${SLUG:-}" ]]; then
  say "no WebGPU adapter at all (see the kernels' error: node -e \"import('@clipgpu/kernels').then(k => k.Gpu.create())\")"
  exit 1
fi
if [[ "$SOFTWARE" == 1 && $QUICK == 0 ]]; then
  say "the adapter is '$NAME', a software one: no GPU here, so this is a dry run (--quick)"
  QUICK=1
fi
# a dry run writes under packages/bench/.out/ (ignored), so the committed results stay as they are
OUT=packages/bench/results
[[ $QUICK == 1 ]] && OUT=packages/bench/.out/gpu-check-quick
LOG="$OUT/${SLUG}-gpu-check.log"
mkdir -p "$OUT"
exec > >(tee "$LOG") 2>&1
say "adapter: $NAME ($([[ $SOFTWARE == 1 ]] && echo software || echo hardware)); mode: $([[ $QUICK == 1 ]] && echo quick || echo full)"
# Chromium on the GPU (Vulkan) rather than SwiftShader, for the browser suite and the bench page
[[ $SOFTWARE == 0 ]] && export CLIPGPU_CHROMIUM_GPU=1

if [[ $QUICK == 1 ]]; then
  step "kernel tests (probe, softmax)" 240 npx vitest run packages/kernels/src/probe packages/kernels/src/softmax
  step "browser smoke test" 180 env CLIPGPU_BROWSER_ONLY=package-smoke node test/browser/run.mjs
  step "benchmark (quick)" 420 node packages/bench/src/run.mjs --env both --only matmul --match 'ViT-B/32 b1 fc1' --tune --e2e --no-gen \
    --variants f32 --directions forward --runs 1 --warmup 0 --out "$OUT"
else
  step "kernel and parity tests (Node, Dawn)" 150 npx vitest run packages/kernels/src test/parity
  step "browser suite (Chromium on the GPU)" 120 node test/browser/run.mjs
  ONNX=()
  [[ -f packages/bench/.onnx/vit-b32-random.onnx ]] && ONNX=(--onnx)
  step "benchmark (full, autotune, end to end)" 300 env CLIPGPU_BENCH_TIMEOUT_S=150 \
    node packages/bench/src/run.mjs --env both --full --tune --e2e "${ONNX[@]}" $([[ $SOFTWARE == 0 ]] && echo --gpu)
fi

say "results: $(ls "$OUT" | grep -c "^${SLUG}") files named $OUT/${SLUG}-*; log $LOG"
if ((${#FAILED[@]})); then
  say "failed: ${FAILED[*]}"
  exit 1
fi
say "all passed"
