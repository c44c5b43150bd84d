import { describe, expect, it } from 'vitest';
import { packF16, roundToF16 } from './f16.js';

describe('f16', () => {
  it('packF16 rounds to nearest even, pads odd lengths, saturates to Inf', () => {
    const v = new Float32Array([1, -2, 1 / 3, 65504, 65520, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1 + 2 ** -11, 1 + 3 * 2 ** -11, NaN]);
    expect(Array.from(roundToF16(v))).toEqual([1, -2, 0.333251953125, 65504, Infinity, 2 ** -24, 0, 2 ** -24, 1, 1 + 2 ** -9, NaN]);
    const packed = packF16(v.subarray(0, 3));
    expect(Array.from(packed)).toEqual([(0x3c00 | (0xc000 << 16)) >>> 0, 0x3555]);
  });
});
