// Half-precision conversions on the host: f16 weights packed for matmulF16, safetensors F16 and
// BF16 tensors read as f32, and the f32 references of f16 results.
/** IEEE half bits → f32 (exact; subnormals, ±0, Inf and NaN payloads kept). */
export function f16BitsToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const o32 = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const man = h & 0x3ff;
    if (exp === 0)
      out[i] = (sign ? -man : man) * 2 ** -24; // zero, subnormal (exact; keeps -0)
    else if (exp === 31)
      o32[i] = sign | 0x7f800000 | (man << 13); // inf, NaN (payload kept)
    else o32[i] = sign | ((exp + 112) << 23) | (man << 13);
  }
  return out;
}

/** f32 → IEEE half bits, rounded to nearest even (≥ 65520 → ±Inf, NaN stays NaN). */
export function f32ToF16Bits(x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  const x32 = new Uint32Array(x.buffer, x.byteOffset, x.length);
  for (let i = 0; i < x.length; i++) {
    const u = x32[i];
    const sign = (u >>> 16) & 0x8000;
    const a = u & 0x7fffffff;
    let h: number;
    if (a > 0x7f800000)
      h = 0x7e00 | ((a >>> 13) & 0x3ff); // NaN stays NaN (quiet)
    else if (a >= 0x477ff000)
      h = 0x7c00; // >= 65520 rounds to inf
    else if (a >= 0x38800000) {
      const r = a - 0x38000000; // rebias the exponent 127 -> 15
      h = (r + 0xfff + ((r >>> 13) & 1)) >>> 13;
    } else {
      const v = Math.abs(x[i]) * 2 ** 24; // subnormal count, exact in f64
      let m = Math.floor(v);
      const frac = v - m;
      if (frac > 0.5 || (frac === 0.5 && m & 1)) m++;
      h = m;
    }
    out[i] = sign | h;
  }
  return out;
}

/** bfloat16 bits → f32 (exact: bf16 is f32's upper half). */
export function bf16BitsToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const o32 = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) o32[i] = bits[i] << 16;
  return out;
}

/** f32 → f16 pairs, element i in the low half of word i/2 when i is even (odd lengths padded with 0). */
export function packF16(data: Float32Array): Uint32Array {
  const bits = f32ToF16Bits(data);
  const out = new Uint32Array(Math.ceil(data.length / 2));
  for (let i = 0; i < bits.length; i++) out[i >> 1] |= bits[i] << ((i & 1) * 16);
  return out;
}

/** The values packF16 stores, back as f32 (for references). */
export function roundToF16(data: Float32Array): Float32Array {
  return f16BitsToF32(f32ToF16Bits(data));
}
