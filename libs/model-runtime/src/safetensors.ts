/** The safetensors format: u64 LE header length, JSON header, raw little-endian tensor bytes. */
export type TensorData = Float32Array | BigInt64Array | Int32Array;

export interface NamedTensor {
  dtype: 'F32' | 'I64' | 'I32';
  shape: number[];
  data: TensorData;
}

function copyOut(buf: Buffer, start: number, end: number): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + end) as ArrayBuffer;
}

export function readSafetensors(buf: Buffer): { tensors: Record<string, NamedTensor>; metadata: Record<string, string> } {
  if (buf.length < 8) throw new Error('not a safetensors file: too short');
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw new Error('not a safetensors file: header length exceeds the file');
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const tensors: Record<string, NamedTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as unknown as Record<string, string>;
      continue;
    }
    const [s, e] = info.data_offsets;
    const raw = copyOut(buf, base + s, base + e);
    const count = info.shape.reduce((a, b) => a * b, 1);
    let data: TensorData;
    if (info.dtype === 'F32') data = new Float32Array(raw);
    else if (info.dtype === 'I64') data = new BigInt64Array(raw);
    else if (info.dtype === 'I32') data = new Int32Array(raw);
    else if (info.dtype === 'BF16') {
      const u16 = new Uint16Array(raw);
      const u32 = new Uint32Array(u16.length);
      for (let i = 0; i < u16.length; i++) u32[i] = u16[i] << 16;
      data = new Float32Array(u32.buffer);
    } else throw new Error(`unsupported safetensors dtype ${info.dtype} for ${name}`);
    if (data.length !== count) throw new Error(`tensor ${name}: ${data.length} values for shape [${info.shape}]`);
    tensors[name] = { dtype: info.dtype === 'BF16' ? 'F32' : (info.dtype as NamedTensor['dtype']), shape: info.shape, data };
  }
  return { tensors, metadata };
}

export function writeSafetensors(tensors: Record<string, NamedTensor>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  if (metadata) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([head, Buffer.from(json), ...names.map((n) => Buffer.from(tensors[n].data.buffer, tensors[n].data.byteOffset, tensors[n].data.byteLength))]);
}
