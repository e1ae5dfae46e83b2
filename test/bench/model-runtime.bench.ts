/**
 * onnxruntime-node vs PyTorch eager on the same models and inputs (one run, ratios printed), for
 * both families at batch 1/32/256 and context 512/2048, plus the full-size TiRex-architecture graph
 * (35M parameters, random weights) at batch 1 and 64, context 2048.
 * Run: npm run bench -- model-runtime [--full-size]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readSafetensors } from '#model-runtime';
import { medianSeconds } from '../support/timing';

const REPO = path.resolve(__dirname, '../../..');
const MODELS = path.join(REPO, 'models');
const THREADS = Number(process.env.BENCH_THREADS ?? 2);

interface Case {
  name: string;
  model: string;
  batch: number;
  context: number;
  torchSec: number;
}

function tensors(file: string): Record<string, ort.Tensor> {
  const t = readSafetensors(readFileSync(file)).tensors;
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, new ort.Tensor(v.dtype === 'F32' ? 'float32' : 'int64', v.data, v.shape)]));
}

async function main(): Promise<void> {
  const full = process.argv.includes('--full-size');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsfm-bench-models-'));
  const py = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-m', 'toolchain.bench_torch', '--out', dir, ...(full ? ['--full-size'] : [])], {
    cwd: MODELS,
    env: { ...process.env, PYTHONPATH: '.', OPENBLAS_NUM_THREADS: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (py.status !== 0) throw new Error('python side failed');
  const cases: Case[] = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(path.join(MODELS, 'manifest.json'), 'utf8'));
  const sessions = new Map<string, { s: ort.InferenceSession; head: Record<string, ort.Tensor> }>();
  const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  for (const m of manifest.models)
    sessions.set(m.id, { s: await ort.InferenceSession.create(path.join(MODELS, m.file), opts), head: tensors(path.join(MODELS, m.head.file)) });
  if (full)
    sessions.set('tirex-full', {
      s: await ort.InferenceSession.create(path.join(dir, 'tirex-full.onnx'), opts),
      head: tensors(path.join(dir, 'tirex-full.head.safetensors')),
    });
  console.log(`onnxruntime-node ${ort.env.versions.node} (${THREADS} intra-op threads) vs PyTorch eager (2 threads), same inputs, median seconds per call`);
  console.log('case                        | torch s  | ort s    | series/s (ort) | torch/ort');
  for (const c of cases) {
    const { s, head } = sessions.get(c.model)!;
    const feeds = { ...tensors(path.join(dir, `${c.name}.safetensors`)), ...head };
    const sec = await medianSeconds(() => s.run(feeds), c.batch * c.context >= 300_000 ? 1 : 3);
    console.log(
      `${c.name.padEnd(27)} | ${c.torchSec.toFixed(4).padStart(8)} | ${sec.toFixed(4).padStart(8)} | ${Math.round(c.batch / sec)
        .toString()
        .padStart(14)} | ${(c.torchSec / sec).toFixed(2)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
