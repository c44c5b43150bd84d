#!/usr/bin/env bash
# Sets up a fresh machine that has Node (>= 20) and npm: pnpm, the workspace's packages, and, where
# no GPU exists, SwiftShader (a CPU Vulkan driver that ships with Debian's Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pnpm >/dev/null 2>&1; then npm install -g pnpm@9.15.9; fi
icd=/usr/lib/chromium/vk_swiftshader_icd.json
need_apt=""
[ -f "$icd" ] || need_apt="chromium"
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || need_apt="$need_apt libvulkan1"
if [ -n "$need_apt" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing $need_apt (SwiftShader for WebGPU without a GPU, Chromium for browser tests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $need_apt >/dev/null
  else
    echo "setup: WebGPU without a GPU needs SwiftShader and the Vulkan loader; run as root: apt-get install -y chromium libvulkan1" >&2
  fi
fi
pnpm install --frozen-lockfile 2>/dev/null || pnpm install
pnpm build
