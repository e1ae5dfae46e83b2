/**
 * The safetensors format: u64 LE header length, JSON header {name: {dtype, shape, data_offsets}},
 * optional "__metadata__" (string -> string), then raw little-endian tensor bytes.
 * F16 and BF16 are widened to float32 on read (onnxruntime runs our graphs in fp32).
 */
export type TensorData = Float32Array | BigInt64Array | Int32Array;

export interface NamedTensor {
  dtype: 'F32' | 'I64' | 'I32';
  shape: number[];
  data: TensorData;
}

export interface SafetensorsFile {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES: Record<string, number> = { F32: 4, I64: 8, I32: 4, F16: 2, BF16: 2 };

function copyOut(buf: Buffer, start: number, end: number): ArrayBuffer {
  // A copy: the tensor gets its own aligned ArrayBuffer (Buffer slices may be unaligned or pooled).
  return buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + end) as ArrayBuffer;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decode(dtype: string, raw: ArrayBuffer, name: string): { dtype: NamedTensor['dtype']; data: TensorData } {
  switch (dtype) {
    case 'F32':
      return { dtype, data: new Float32Array(raw) };
    case 'I64':
      return { dtype, data: new BigInt64Array(raw) };
    case 'I32':
      return { dtype, data: new Int32Array(raw) };
    case 'BF16': {
      // bf16 is the upper half of a float32.
      const u16 = new Uint16Array(raw);
      const u32 = new Uint32Array(u16.length);
      for (let i = 0; i < u16.length; i++) u32[i] = u16[i] << 16;
      return { dtype: 'F32', data: new Float32Array(u32.buffer) };
    }
    case 'F16':
      return { dtype: 'F32', data: Float32Array.from(new Uint16Array(raw), halfToFloat) };
    default:
      throw new Error(`safetensors: unsupported dtype ${dtype} for tensor ${name}`);
  }
}

export function readSafetensors(buf: Buffer): SafetensorsFile {
  if (buf.length < 8) throw new Error('not a safetensors file: too short');
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw new Error('not a safetensors file: header length exceeds the file');
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, HeaderEntry>;
  const base = 8 + n;
  const tensors: Record<string, NamedTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as unknown as Record<string, string>;
      continue;
    }
    const [s, e] = info.data_offsets;
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (!(info.dtype in BYTES)) throw new Error(`safetensors: unsupported dtype ${info.dtype} for tensor ${name}`);
    if (e - s !== count * BYTES[info.dtype] || base + e > buf.length) {
      throw new Error(`safetensors: tensor ${name} has ${e - s} bytes for ${info.dtype} [${info.shape}]`);
    }
    const { dtype, data } = decode(info.dtype, copyOut(buf, base + s, base + e), name);
    tensors[name] = { dtype, shape: info.shape, data };
  }
  return { tensors, metadata };
}

export function writeSafetensors(tensors: Record<string, NamedTensor>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name];
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) throw new Error(`safetensors: tensor ${name} has ${t.data.length} values for [${t.shape}]`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  if (metadata) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // keep tensor data 8-byte aligned
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const bodies = names.map((n) => Buffer.from(tensors[n].data.buffer, tensors[n].data.byteOffset, tensors[n].data.byteLength));
  return Buffer.concat([head, Buffer.from(json), ...bodies]);
}
