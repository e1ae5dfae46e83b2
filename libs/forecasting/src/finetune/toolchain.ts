import { ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { AppConfig } from '#config';
import type { ManifestEntry } from '#model-runtime';

export interface ToolchainCheck {
  ok: boolean;
  /** Why a `full` fine-tune cannot run here, and what to install. */
  reason?: string;
  dir?: string;
  runDir?: string;
}

/**
 * Variables the toolchain may see from the worker's environment: where programs and libraries are,
 * locale, and thread counts. An allow-list, so the database and queue URLs, API keys and any secret
 * added to the worker later never reach a child process that runs training code.
 */
export const TOOLCHAIN_ENV_PASSED = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'LD_LIBRARY_PATH',
  'OMP_NUM_THREADS',
  'OPENBLAS_NUM_THREADS',
  'MKL_NUM_THREADS',
  'NUMEXPR_NUM_THREADS',
  'TORCH_NUM_THREADS',
  'CUDA_VISIBLE_DEVICES',
  'NVIDIA_VISIBLE_DEVICES',
] as const;

/**
 * The environment of a toolchain process: the allowed variables of `base`, PYTHONPATH with the
 * toolchain folder first, and TMPDIR (the run's private folder when given).
 */
export function toolchainEnv(dir: string, tmpDir?: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of TOOLCHAIN_ENV_PASSED) if (base[k] !== undefined) env[k] = base[k];
  env.PYTHONPATH = [dir, base.PYTHONPATH].filter(Boolean).join(path.delimiter);
  const tmp = tmpDir ?? base.TMPDIR;
  if (tmp) env.TMPDIR = tmp;
  return env;
}

/** Starts the interpreter in `dir` with toolchainEnv; stdout and stderr piped. */
export function spawnToolchain(python: string, args: string[], dir: string, tmpDir?: string): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(python, args, { cwd: dir, env: toolchainEnv(dir, tmpDir), stdio: ['ignore', 'pipe', 'pipe'] });
}

const probes = new Map<string, Promise<boolean>>();

/** Whether `python` imports torch and onnx (cached per interpreter for the process's life). */
function pythonHasTorch(python: string): Promise<boolean> {
  let p = probes.get(python);
  if (!p) {
    p = new Promise<boolean>((resolve) => {
      const child = spawn(python, ['-c', 'import torch, onnx'], { stdio: 'ignore', env: toolchainEnv(process.cwd()) });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
    });
    probes.set(python, p);
  }
  return p;
}

/**
 * Can this process run a `full` fine-tune of `entry`? It needs the PyTorch toolchain
 * (`<dir>/toolchain`, Debian's python3-torch and python3-onnx) and the training run the served
 * model was exported from (`<dir>/runs/<provenance.run>/ckpt.pt`, `runs/<id>` for exports that
 * predate `provenance.run`). That the checkpoint is at the step the manifest records is checked by
 * the toolchain itself when the job runs (`--expect-step`).
 */
export async function checkFullFinetune(config: AppConfig, entry: ManifestEntry): Promise<ToolchainCheck> {
  const dir = path.resolve(config.toolchain.dir ?? config.models.dir);
  const install =
    'install Debian packages python3-torch and python3-onnx (apt-get install python3-torch python3-onnx) and ship models/toolchain beside the models (TSFM_TOOLCHAIN_DIR)';
  if (!existsSync(path.join(dir, 'toolchain', 'training', 'finetune_full.py'))) {
    return { ok: false, reason: `method "full" needs the PyTorch toolchain, which is not installed at ${path.join(dir, 'toolchain')}: ${install}` };
  }
  if (!(await pythonHasTorch(config.toolchain.python))) {
    return { ok: false, reason: `method "full" needs PyTorch: ${config.toolchain.python} cannot import torch and onnx; ${install}` };
  }
  const run = (entry.provenance as { run?: unknown }).run;
  const runName = typeof run === 'string' && /^[A-Za-z0-9_.-]+$/.test(run) && run !== '.' && run !== '..' ? run : entry.id;
  const runDir = path.join(dir, 'runs', runName);
  if (!existsSync(path.join(runDir, 'ckpt.pt')) || !existsSync(path.join(runDir, 'config.json'))) {
    return {
      ok: false,
      reason: `method "full" needs the PyTorch checkpoint of ${entry.id} (runs/${runName}/ckpt.pt and config.json under ${dir}); only models trained here ship one. Use method "head"`,
    };
  }
  return { ok: true, dir, runDir };
}
