import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExecutionProvider } from '#config';

export interface WireTensor {
  type: 'float32' | 'int64';
  dims: number[];
  buffer: ArrayBuffer;
}

export interface ProviderChoice {
  requested: ExecutionProvider[];
  active: ExecutionProvider;
  fallbacks: { provider: ExecutionProvider; reason: string }[];
}

interface Pending {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- holds the resolve of each call's promise, whatever its reply type
  resolve: (v: any) => void;
  reject: (e: Error) => void;
}

/** One worker thread that owns every ONNX Runtime session of this process. */
export class InferenceThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 1;

  constructor() {
    this.worker = new Worker(path.join(__dirname, 'inference-worker.js'), { workerData: { ortPath: require.resolve('onnxruntime-node') } });
    this.worker.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m);
      else p.reject(new Error(m.error));
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`inference thread exited with code ${code}`)));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private call<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  load(model: string, file: string, providers: ExecutionProvider[], threads: number) {
    return this.call<{ choice: ProviderChoice; inputs: string[]; outputs: string[]; ortVersion: string }>({ op: 'load', model, file, providers, threads });
  }

  /** Releases a model's session; a run already started on it finishes first. */
  async unload(model: string): Promise<void> {
    await this.call({ op: 'unload', model });
  }

  /** Inputs are copied (heads are shared and must stay usable); outputs come back transferred. */
  async run(model: string, feeds: Record<string, { type: 'float32' | 'int64'; dims: number[]; data: Float32Array | BigInt64Array }>, outputs: string[]) {
    const wire: Record<string, WireTensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const copy = t.data.slice();
      wire[name] = { type: t.type, dims: t.dims, buffer: copy.buffer as ArrayBuffer };
    }
    const r = await this.call<{ outputs: Record<string, { dims: number[]; buffer: ArrayBuffer }>; ms: number }>(
      { op: 'run', model, feeds: wire, outputs },
      Object.values(wire).map((w) => w.buffer),
    );
    return {
      ms: r.ms,
      outputs: Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, { dims: v.dims, data: new Float32Array(v.buffer) }])),
    };
  }

  /** Waits for in-flight runs, lets the thread release its sessions, then ends it. */
  async close(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const exited = new Promise((r) => this.worker.once('exit', r));
    await Promise.race([this.call({ op: 'close' }).catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    await this.worker.terminate();
  }
}
