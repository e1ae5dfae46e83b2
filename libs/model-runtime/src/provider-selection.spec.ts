import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#config';
import { InferenceThread } from './inference-thread';
import { ModelRuntime } from './model-runtime';

const MODELS = path.resolve(__dirname, '../../../models');
const MODEL_FILE = path.join(MODELS, 'ssm-dev.onnx');

/** onnxruntime-node ships the CUDA provider as a separate library that its installer downloads. */
function cudaLibraryPresent(): boolean {
  const bin = path.dirname(require.resolve('onnxruntime-node/package.json')) + '/bin';
  if (!existsSync(bin)) return false;
  return readdirSync(bin).some((napi) => existsSync(path.join(bin, napi, 'linux/x64/libonnxruntime_providers_cuda.so')));
}
// WebGPU needs a GPU adapter through the Vulkan loader; neither exists without a GPU device node.
const gpuDevicePresent = existsSync('/dev/nvidia0') || existsSync('/dev/dri');

describe('execution provider selection (TSFM_EXECUTION_PROVIDERS)', () => {
  let thread: InferenceThread;
  beforeAll(() => {
    thread = new InferenceThread();
  });
  afterAll(() => thread.close());

  it.skipIf(cudaLibraryPresent())('cuda without its provider library falls back to cpu and records why', async () => {
    const r = await thread.load('cuda-only', MODEL_FILE, ['cuda'], 1);
    expect(r.choice.requested).toEqual(['cuda']);
    expect(r.choice.active).toBe('cpu');
    expect(r.choice.fallbacks).toHaveLength(1);
    expect(r.choice.fallbacks[0].provider).toBe('cuda');
    expect(r.choice.fallbacks[0].reason).toMatch(/Cuda: Failed to load shared library/);
  });

  it.skipIf(gpuDevicePresent)('webgpu without a GPU adapter falls back to cpu and records why', async () => {
    const r = await thread.load('webgpu-only', MODEL_FILE, ['webgpu'], 1);
    expect(r.choice.active).toBe('cpu');
    expect(r.choice.fallbacks.map((f) => f.provider)).toEqual(['webgpu']);
    expect(r.choice.fallbacks[0].reason).toMatch(/WebGPU adapter/);
  });

  it.skipIf(cudaLibraryPresent() || gpuDevicePresent)('tries each requested provider once, in order, before cpu', async () => {
    const r = await thread.load('both', MODEL_FILE, ['webgpu', 'cuda', 'webgpu'], 1);
    expect(r.choice.active).toBe('cpu');
    expect(r.choice.fallbacks.map((f) => f.provider)).toEqual(['webgpu', 'cuda']);
  });

  it('a cpu listed first wins: nothing after it is tried', async () => {
    const r = await thread.load('cpu-first', MODEL_FILE, ['cpu', 'cuda'], 1);
    expect(r.choice).toEqual({ requested: ['cpu', 'cuda'], active: 'cpu', fallbacks: [] });
  });

  it.each(['tpu', 'cpu,tensorrt', 'CUDA', 'cuda;cpu'])('an unknown provider name (%s) is a configuration error', (value) => {
    expect(() => parseConfig({ DATABASE_URL: 'postgres://x@localhost/db', TSFM_EXECUTION_PROVIDERS: value })).toThrow(ConfigError);
    try {
      parseConfig({ DATABASE_URL: 'postgres://x@localhost/db', TSFM_EXECUTION_PROVIDERS: value });
    } catch (err) {
      expect((err as ConfigError).variable).toBe('TSFM_EXECUTION_PROVIDERS');
      expect((err as Error).message).toContain('one of cpu, cuda, webgpu');
    }
  });

  it('the runtime refuses unknown or empty provider lists from direct callers instead of falling back', async () => {
    const opts = { modelsDir: MODELS, intraOpThreads: 1, maxBatch: 4, maxWaitMs: 1, maxQueue: 8 };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an unknown provider on purpose, past the type check
    await expect(ModelRuntime.start({ ...opts, providers: ['cpu', 'tpu' as any] })).rejects.toMatchObject({
      name: 'ConfigError',
      variable: 'TSFM_EXECUTION_PROVIDERS',
    });
    await expect(ModelRuntime.start({ ...opts, providers: [] })).rejects.toThrow(/must list one or more of cpu, cuda, webgpu \(got \[\]\)/);
  });
});
