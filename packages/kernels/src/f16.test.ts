// The half-precision conversions against IEEE 754's rules: exact decoding, round to nearest even,
// overflow, subnormals and NaN, and every one of the 65,536 f16 bit patterns.
import { describe, expect, it } from 'vitest';
import { bf16BitsToF32, f16BitsToF32, f32ToF16Bits, packF16, roundToF16 } from './f16.js';

const f16 = (...xs: number[]) => Array.from(f32ToF16Bits(new Float32Array(xs)));
const hex = (xs: number[]) => xs.map((x) => `0x${x.toString(16).padStart(4, '0')}`);

describe('f16 and bf16 conversions', () => {
  it('decodes known f16 and bf16 values exactly', () => {
    const bits = [0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x3c00, 0xc000, 0x3555, 0x7bff, 0x7c00, 0xfc00];
    expect(Array.from(f16BitsToF32(new Uint16Array(bits)))).toEqual([
      0,
      -0,
      2 ** -24,
      -(2 ** -24),
      1023 * 2 ** -24,
      2 ** -14,
      1,
      -2,
      0.333251953125,
      65504,
      Infinity,
      -Infinity,
    ]);
    const nan = f16BitsToF32(new Uint16Array([0x7e00, 0x7c01, 0xfe00]));
    expect(nan.every(Number.isNaN)).toBe(true);
    expect(Array.from(bf16BitsToF32(new Uint16Array([0x3f80, 0xbf80, 0x7f80, 0xff80, 0x0001, 0x8000])))).toEqual([
      1,
      -1,
      Infinity,
      -Infinity,
      2 ** -133,
      -0,
    ]);
    expect(Number.isNaN(bf16BitsToF32(new Uint16Array([0x7fc0]))[0])).toBe(true);
  });

  it('rounds f32 to f16 to nearest, ties to even, with overflow, subnormals and NaN', () => {
    expect(hex(f16(1, -2, 65504, 65519.99, 65520, 1e10, -1e10, Infinity, -Infinity, -0, 0))).toEqual(
      hex([0x3c00, 0xc000, 0x7bff, 0x7bff, 0x7c00, 0x7c00, 0xfc00, 0x7c00, 0xfc00, 0x8000, 0x0000]),
    );
    expect(hex(f16(1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 1 + 2 ** -11 - 2 ** -20))).toEqual(
      hex([0x3c00, 0x3c02, 0x3c01, 0x3c00]),
    ); // ties go to the even mantissa
    expect(hex(f16(2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -25 * 1.0001, 2 ** -26, 2 ** -14 - 2 ** -25, 2 ** -14, -(2 ** -24)))).toEqual(
      hex([0x0001, 0x0000, 0x0002, 0x0001, 0x0000, 0x0400, 0x0400, 0x8001]),
    );
    const nans = f32ToF16Bits(new Float32Array([NaN, -NaN, new Float32Array(new Uint32Array([0x7f800001]).buffer)[0]]));
    for (const h of nans) expect(h & 0x7c00).toBe(0x7c00), expect(h & 0x3ff).not.toBe(0);
  });

  it('round-trips every f16 and rounds every midpoint to even (exhaustive)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = f32ToF16Bits(f16BitsToF32(all));
    for (let i = 0; i < 65536; i++) {
      const nan = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (nan) expect((back[i] & 0x7c00) === 0x7c00 && (back[i] & 0x3ff) !== 0).toBe(true);
      else if (back[i] !== i) throw new Error(`f16 0x${i.toString(16)} came back as 0x${back[i].toString(16)}`);
    }
    const v = f16BitsToF32(all);
    const mids: number[] = [],
      want: number[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (v[h] + v[h + 1]) / 2; // exact in f32: f16 has 11 significant bits
      const lo = Math.fround(mid * (1 - 2 ** -23)),
        hi = Math.fround(mid * (1 + 2 ** -23));
      mids.push(mid, lo, hi, -mid);
      const even = h & 1 ? h + 1 : h;
      want.push(even, mid > 0 && lo < mid ? h : even, h + 1, even | 0x8000);
    }
    const got = f32ToF16Bits(new Float32Array(mids));
    for (let i = 0; i < got.length; i++)
      if (got[i] !== want[i]) throw new Error(`f32 ${mids[i]} -> 0x${got[i].toString(16)}, want 0x${want[i].toString(16)}`);
  });

  it('packF16 rounds to nearest even, pads odd lengths, saturates to Inf', () => {
    const v = new Float32Array([1, -2, 1 / 3, 65504, 65520, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1 + 2 ** -11, 1 + 3 * 2 ** -11, NaN]);
    expect(Array.from(roundToF16(v))).toEqual([1, -2, 0.333251953125, 65504, Infinity, 2 ** -24, 0, 2 ** -24, 1, 1 + 2 ** -9, NaN]);
    const packed = packF16(v.subarray(0, 3));
    expect(Array.from(packed)).toEqual([(0x3c00 | (0xc000 << 16)) >>> 0, 0x3555]);
  });
});
