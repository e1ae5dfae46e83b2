import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from './safetensors';

const MODELS = path.resolve(__dirname, '../../../models');

function rawFile(header: object, body: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, body]);
}

describe('safetensors', () => {
  it('round-trips F32, I64 and I32 tensors (including 0-d) with metadata', () => {
    const buf = writeSafetensors(
      {
        w: { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, -2.5, 3, NaN]) },
        k: { dtype: 'I64', shape: [1], data: BigInt64Array.from([2n ** 40n]) },
        i: { dtype: 'I32', shape: [3], data: Int32Array.from([-1, 0, 7]) },
        s: { dtype: 'F32', shape: [], data: Float32Array.from([0.5]) },
      },
      { family: 'xlstm' },
    );
    const back = readSafetensors(buf);
    expect(Array.from(back.tensors.w.data as Float32Array)).toEqual([1, -2.5, 3, NaN]);
    expect(back.tensors.w.shape).toEqual([2, 2]);
    expect(back.tensors.k.data[0]).toBe(2n ** 40n);
    expect(Array.from(back.tensors.i.data as Int32Array)).toEqual([-1, 0, 7]);
    expect(back.tensors.s).toMatchObject({ dtype: 'F32', shape: [] });
    expect(back.metadata).toEqual({ family: 'xlstm' });
  });

  it('writes the real byte layout: u64 header length, sorted offsets, 8-byte aligned data', () => {
    const buf = writeSafetensors({
      b: { dtype: 'F32', shape: [1], data: Float32Array.from([2]) },
      a: { dtype: 'I64', shape: [1], data: BigInt64Array.from([7n]) },
    });
    const n = Number(buf.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + n).toString());
    expect(header).toEqual({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } });
    expect(buf.readBigInt64LE(8 + n)).toBe(7n);
    expect(buf.readFloatLE(8 + n + 8)).toBe(2);
  });

  it('reads the files the Python toolchain writes', () => {
    const fx = readSafetensors(readFileSync(path.join(MODELS, 'fixtures/xlstm-dev/b1_len64_k1.safetensors'))).tensors;
    expect(fx.context.shape).toEqual([1, 64]);
    const ctx = fx.context.data as Float32Array;
    expect([3, 17, 40].every((i) => Number.isNaN(ctx[i]))).toBe(true);
    expect(Array.from(ctx).filter(Number.isNaN)).toHaveLength(3);
    expect(fx.new_patches).toEqual({ dtype: 'I64', shape: [1], data: BigInt64Array.from([1n]) });
    expect(fx.quantiles.shape).toEqual([1, 32, 9]);
    const head = readSafetensors(readFileSync(path.join(MODELS, 'xlstm-dev.head.safetensors')));
    expect(head.metadata.family).toBe('xlstm');
    expect(head.tensors['head.output_layer.weight'].shape).toEqual([288, 256]);
  });

  it('widens BF16 and F16 to float32', () => {
    const bf16 = Buffer.alloc(6);
    [0x3f80, 0xc020, 0x4049].forEach((v, i) => bf16.writeUInt16LE(v, 2 * i)); // 1, -2.5, 3.140625
    const f16 = Buffer.alloc(8);
    [0x3c00, 0xc100, 0x0001, 0x7c00].forEach((v, i) => f16.writeUInt16LE(v, 2 * i)); // 1, -2.5, 2^-24, inf
    const file = rawFile(
      { a: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] }, b: { dtype: 'F16', shape: [2, 2], data_offsets: [6, 14] } },
      Buffer.concat([bf16, f16]),
    );
    const t = readSafetensors(file).tensors;
    expect(t.a.dtype).toBe('F32');
    expect(Array.from(t.a.data as Float32Array)).toEqual([1, -2.5, 3.140625]);
    expect(Array.from(t.b.data as Float32Array)).toEqual([1, -2.5, Math.fround(2 ** -24), Infinity]);
  });

  it('rejects truncated files, wrong byte counts and unknown dtypes', () => {
    expect(() => readSafetensors(Buffer.alloc(4))).toThrow('not a safetensors file: too short');
    const bad = rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8));
    expect(() => readSafetensors(bad)).toThrow('safetensors: tensor w has 8 bytes for F32 [3]');
    const odd = rawFile({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8));
    expect(() => readSafetensors(odd)).toThrow('unsupported dtype C64');
  });
});
