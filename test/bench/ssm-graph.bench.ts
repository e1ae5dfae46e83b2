/**
 * ssm-small's graph before the chunked scan (a Scan over every time step, exported again from the same
 * weights) against the shipped chunked-scan graph (models/toolchain/ssm/chunked.py), in one run: onnxruntime-node, 2 intra-op
 * threads, scale factor 1, horizon 24; the two graphs alternate per repetition so load on a shared
 * machine hits both alike. Prints series/s of each, the ratio, and the largest quantile difference.
 * Run: npm run bench -- ssm-graph [--reps N] [--shapes 256x1024,32x1024]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readSafetensors } from '#model-runtime';

const REPO = path.resolve(__dirname, '../../..');
const MODELS = path.join(REPO, 'models');
const THREADS = Number(process.env.BENCH_THREADS ?? 2);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function tensors(file: string): Record<string, ort.Tensor> {
  const t = readSafetensors(readFileSync(file)).tensors;
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, new ort.Tensor(v.dtype === 'F32' ? 'float32' : 'int64', v.data, v.shape)]));
}

async function seconds(s: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  const t = performance.now();
  await s.run(feeds);
  return (performance.now() - t) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const reps = Number(arg('--reps', '3'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-bench-ssm-'));
  const py = spawnSync(
    '/usr/bin/python3',
    ['-W', 'ignore', '-m', 'toolchain.ssm.bench_graph', '--out', dir, '--shapes', arg('--shapes', '256x1024,32x1024,1x1024,256x512')],
    {
      cwd: MODELS,
      env: { ...process.env, PYTHONPATH: '.' },
      encoding: 'utf8',
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (py.status !== 0) throw new Error('python side failed');
  const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  const step = await ort.InferenceSession.create(path.join(dir, 'step.onnx'), opts);
  const chunked = await ort.InferenceSession.create(path.join(MODELS, 'ssm-small.onnx'), opts);
  const head = tensors(path.join(MODELS, 'ssm-small.head.safetensors'));
  const cases: { name: string; batch: number; context: number }[] = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8'));
  console.log(
    `ssm-small: step-by-step Scan graph (before) vs chunked-scan graph (shipped), onnxruntime-node ${ort.env.versions.node}, ${THREADS} intra-op threads, median of ${reps}`,
  );
  console.log('batch x context | step series/s | chunked series/s | chunked / step | max |quantile diff| / max |quantile|');
  for (const c of cases) {
    const feeds = { ...tensors(path.join(dir, `${c.name}.safetensors`)), ...head };
    const a = (await step.run(feeds)).quantiles.data as Float32Array;
    const b = (await chunked.run(feeds)).quantiles.data as Float32Array;
    let diff = 0;
    let top = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      top = Math.max(top, Math.abs(a[i]));
    }
    const ts: [number[], number[]] = [[], []];
    for (let r = 0; r < reps; r++) {
      ts[0].push(await seconds(step, feeds));
      ts[1].push(await seconds(chunked, feeds));
    }
    const [s0, s1] = [median(ts[0]), median(ts[1])];
    console.log(
      `${`${c.batch} x ${c.context}`.padEnd(15)} | ${Math.round(c.batch / s0)
        .toString()
        .padStart(16)} | ${Math.round(c.batch / s1)
        .toString()
        .padStart(16)} | ${(s0 / s1).toFixed(2).padStart(17)} | ${(diff / top).toExponential(1)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
