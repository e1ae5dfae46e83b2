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
  // Resolved by the 'exit' event: close() waits on the thread itself, never on a timer.
  private readonly exited: Promise<number>;
  private idle: (() => void) | null = null;
  private closing: Promise<void> | null = null;
  private alive = true;

  constructor() {
    this.worker = new Worker(path.join(__dirname, 'inference-worker.js'), { workerData: { ortPath: require.resolve('onnxruntime-node') } });
    this.worker.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m);
      else p.reject(new Error(m.error));
      if (this.pending.size === 0) this.idle?.();
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.alive = false;
        this.failAll(new Error(`inference thread exited with code ${code}`));
        resolve(code);
      }),
    );
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.idle?.();
  }

  private call<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (!this.alive) return Promise.reject(new Error('inference thread has exited'));
    if (this.closing && msg.op !== 'close') return Promise.reject(new Error('inference thread is closing'));
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

  /**
   * Lets the calls already sent finish, has the thread release its sessions, then ends it and
   * resolves on its 'exit'. No timer is involved: a process whose last handle was this thread exits
   * as soon as it is done. Calls made after close() starts are refused.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.idle = null;
    // The thread replies once its sessions are released; terminate() then only stops an idle
    // event loop (onnxruntime's thread pool may keep it alive), never a run in progress.
    await this.call({ op: 'close' }).catch(() => undefined);
    await this.worker.terminate();
    await this.exited;
  }
}
