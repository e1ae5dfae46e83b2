// Runs ONNX Runtime sessions off the main thread: session.run() blocks its thread for the whole
// run, so the worker process stays responsive for queue heartbeats and health checks.
// Plain CommonJS so it runs as a worker thread both from sources (tests) and from dist/.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);

const sessions = new Map();
// Runs in flight per model: a session is released only once its last run has returned.
const running = new Map();
const releaseWhenIdle = new Map();

// onnxruntime-node does not fall back by itself (['cuda','cpu'] fails outright without the CUDA
// libraries), so each requested provider is tried alone, in order, with CPU as the last resort.
async function createWithFallback(file, requested, threads) {
  const order = requested.filter((p, i) => requested.indexOf(p) === i);
  if (!order.includes('cpu')) order.push('cpu');
  const fallbacks = [];
  for (const provider of order) {
    try {
      const opts = { executionProviders: [provider], interOpNumThreads: 1, graphOptimizationLevel: 'all' };
      if (threads > 0) opts.intraOpNumThreads = threads; // 0: let ONNX Runtime decide
      const session = await ort.InferenceSession.create(file, opts);
      return { session, choice: { requested, active: provider, fallbacks } };
    } catch (err) {
      fallbacks.push({
        provider,
        reason: String(err && err.message ? err.message : err)
          .split('\n')[0]
          .slice(0, 300),
      });
    }
  }
  throw new Error('no execution provider could load the model: ' + fallbacks.map((f) => f.provider + ': ' + f.reason).join('; '));
}

function toTensor(t) {
  const data = t.type === 'int64' ? new BigInt64Array(t.buffer) : new Float32Array(t.buffer);
  return new ort.Tensor(t.type, data, t.dims);
}

parentPort.on('message', async (msg) => {
  try {
    if (msg.op === 'load') {
      const { session, choice } = await createWithFallback(msg.file, msg.providers, msg.threads);
      sessions.set(msg.model, session);
      parentPort.postMessage({ id: msg.id, ok: true, choice, inputs: session.inputNames, outputs: session.outputNames, ortVersion: ort.env.versions.node });
    } else if (msg.op === 'unload') {
      const session = sessions.get(msg.model);
      sessions.delete(msg.model);
      if (session && (running.get(msg.model) ?? 0) > 0) await new Promise((resolve) => releaseWhenIdle.set(msg.model, resolve));
      if (session) await session.release();
      parentPort.postMessage({ id: msg.id, ok: true });
    } else if (msg.op === 'close') {
      // Sessions are released here, never torn down mid-run by terminate().
      for (const s of sessions.values()) await s.release();
      sessions.clear();
      parentPort.postMessage({ id: msg.id, ok: true });
      parentPort.close();
    } else if (msg.op === 'run') {
      const session = sessions.get(msg.model);
      if (!session) throw new Error('model ' + msg.model + ' is not loaded');
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = toTensor(t);
      const t0 = performance.now();
      running.set(msg.model, (running.get(msg.model) ?? 0) + 1);
      let out;
      try {
        out = await session.run(feeds, msg.outputs);
      } finally {
        const left = running.get(msg.model) - 1;
        running.set(msg.model, left);
        if (left === 0) {
          running.delete(msg.model);
          releaseWhenIdle.get(msg.model)?.();
          releaseWhenIdle.delete(msg.model);
        }
      }
      const ms = performance.now() - t0;
      const outputs = {};
      const transfer = [];
      for (const [name, t] of Object.entries(out)) {
        const copy = new Float32Array(t.data);
        outputs[name] = { dims: t.dims.slice(), buffer: copy.buffer };
        transfer.push(copy.buffer);
      }
      parentPort.postMessage({ id: msg.id, ok: true, outputs, ms }, transfer);
    }
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, error: String(err && err.message ? err.message : err) });
  }
});
