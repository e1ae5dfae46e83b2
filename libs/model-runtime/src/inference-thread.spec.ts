import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InferenceThread } from './inference-thread';

const MODELS = path.resolve(__dirname, '../../../models');
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('InferenceThread.close', () => {
  it('lets a call already sent settle on its own, ends on the thread exit and leaves no timer behind', async () => {
    const t = new InferenceThread();
    await t.load('m', path.join(MODELS, 'ssm-dev.onnx'), ['cpu'], 1);
    // Sent before close(): it must settle with ONNX Runtime's own answer (missing inputs), not be cut off.
    const inFlight = t.run('m', {}, ['quantiles']).then(
      () => 'ran',
      (e: Error) => e.message,
    );
    const before = timers();
    await t.close();
    expect(await inFlight).toMatch(/input/i);
    expect(await inFlight).not.toMatch(/closing|exited/);
    // A timer raced against the shutdown would keep a short-lived process (tsfm forecast) alive until it fires.
    expect(timers()).toBeLessThanOrEqual(before);
    await expect(t.load('n', path.join(MODELS, 'ssm-dev.onnx'), ['cpu'], 1)).rejects.toThrow(/inference thread (is closing|has exited)/);
  });

  it('is idempotent: a second close resolves too', async () => {
    const t = new InferenceThread();
    await Promise.all([t.close(), t.close()]);
    await t.close();
    await expect(t.unload('x')).rejects.toThrow(/inference thread/);
  });
});
