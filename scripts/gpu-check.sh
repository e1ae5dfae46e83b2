#!/usr/bin/env bash
# Checks the GPU execution providers (cuda, webgpu) of onnxruntime-node on this machine and prints
# one row per provider: does it load, parity against the PyTorch fixtures (models/fixtures, the
# same cases as test/models/parity.spec.ts, tolerance 1e-3 relative in the max norm), and series/s
# at batch 256 (xlstm-dev and ssm-dev at context 512, and the full-size TiRex-architecture xLSTM
# graph at context 2048 when python3 with torch can export it). CPU is always measured as the
# reference row. Without an NVIDIA GPU it says "no NVIDIA GPU found", prints the CPU row, exits 0.
#
# It installs nothing system-wide and fetches only from Debian (apt-get download) and npm:
#   - WebGPU (Dawn over Vulkan) needs the Vulkan loader libvulkan.so.1. When the system has none,
#     `apt-get download libvulkan1` + `dpkg -x` unpack it into .tmp/gpu/vulkan, used through
#     LD_LIBRARY_PATH (no root needed). The NVIDIA driver provides the Vulkan ICD
#     (nvidia_icd.json); in a container it needs NVIDIA_DRIVER_CAPABILITIES to include "graphics".
#   - CUDA needs onnxruntime-node's CUDA 12 provider libraries (libonnxruntime_providers_cuda.so and
#     libonnxruntime_providers_shared.so beside onnxruntime_binding.node), which its installer
#     downloads from NuGet (Microsoft.ML.OnnxRuntime.Gpu.Linux) and which this repository skips by
#     default; plus the CUDA 12 runtime, cuBLAS, cuFFT and cuDNN 9 on the library path. The script
#     detects them and says what is missing.
#
# usage: scripts/gpu-check.sh            (env: GPU_CHECK_FULL_SIZE=0 skips the full-size graph,
#                                         GPU_CHECK_TOLERANCE=1e-3, GPU_CHECK_REPS=5)
set -uo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip
WORK=.tmp/gpu
mkdir -p "$WORK"
TOL=${GPU_CHECK_TOLERANCE:-1e-3}

say() { printf '%s\n' "$*" >&2; }

# --- what the machine has --------------------------------------------------------------------
gpu=""
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)
elif ls /dev/nvidia[0-9]* >/dev/null 2>&1; then
  gpu="NVIDIA device node present (nvidia-smi unavailable)"
fi

ort_bin=$(ls -d node_modules/onnxruntime-node/bin/napi-v*/linux/x64 2>/dev/null | head -1)
[ -n "$ort_bin" ] || { say "node_modules/onnxruntime-node is not installed: run npm ci first"; exit 1; }

providers=(cpu)
declare -A note
if [ -z "$gpu" ]; then
  echo "no NVIDIA GPU found: measuring the CPU provider only"
else
  echo "GPU: $gpu"
  # WebGPU: the Vulkan loader, from the system or unpacked from Debian's libvulkan1 beside the project.
  if ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
    note[webgpu]="system Vulkan loader"
  else
    vk_lib=$(find "$WORK/vulkan" -name 'libvulkan.so.1' 2>/dev/null | head -1)
    if [ -z "$vk_lib" ] && command -v apt-get >/dev/null && command -v dpkg >/dev/null; then
      say "fetching the Vulkan loader: apt-get download libvulkan1 && dpkg -x into $WORK/vulkan"
      (cd "$WORK" && rm -f libvulkan1_*.deb && apt-get download libvulkan1 >&2 && dpkg -x libvulkan1_*.deb vulkan) || say "could not download libvulkan1 (no apt source reachable?)"
      vk_lib=$(find "$WORK/vulkan" -name 'libvulkan.so.1' 2>/dev/null | head -1)
    fi
    if [ -n "$vk_lib" ]; then
      export LD_LIBRARY_PATH="$(cd "$(dirname "$vk_lib")" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      note[webgpu]="Vulkan loader from $(dirname "$vk_lib")"
    else
      note[webgpu]="no Vulkan loader (apt-get install libvulkan1)"
    fi
  fi
  if ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
    note[webgpu]="${note[webgpu]}; no NVIDIA Vulkan ICD (nvidia_icd.json) found: in a container set NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics"
  fi
  providers+=(webgpu)

  # CUDA: the provider libraries and what they link against.
  if [ -f "$ort_bin/libonnxruntime_providers_cuda.so" ] && [ -f "$ort_bin/libonnxruntime_providers_shared.so" ]; then
    missing=$(LD_LIBRARY_PATH="$ort_bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$ort_bin/libonnxruntime_providers_cuda.so" 2>/dev/null | awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')
    if [ -n "$missing" ]; then
      note[cuda]="provider library present but these libraries are not on the loader path: $missing(CUDA 12 runtime/cuBLAS/cuFFT and cuDNN 9; add their directory to LD_LIBRARY_PATH)"
    else
      note[cuda]="provider library present, dependencies resolved"
    fi
  else
    note[cuda]="libonnxruntime_providers_cuda.so is not in $ort_bin: onnxruntime-node's installer fetches it from NuGet, which this machine may not reach. Where it can: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js. Offline: copy runtimes/linux-x64/native/libonnxruntime_providers_{cuda,shared}.so from Microsoft.ML.OnnxRuntime.Gpu.Linux $(node -p "require('onnxruntime-node/package.json').version").nupkg (a zip) into $ort_bin, or build the Docker gpu profile (ORT_INSTALL=cuda12)"
  fi
  providers+=(cuda)
fi

# --- the full-size graph (optional: python3 with torch and onnx) ------------------------------
full=""
if [ -n "$gpu" ] && [ "${GPU_CHECK_FULL_SIZE:-1}" != 0 ]; then
  if [ -f "$WORK/tirex-full.onnx" ]; then
    full="$WORK/tirex-full.onnx"
  elif (cd models && PYTHONPATH=. /usr/bin/python3 -W ignore -c "
import sys, torch
from toolchain.xlstm.config import XlstmConfig
from toolchain.xlstm.export import export_xlstm
from toolchain.xlstm.model import XlstmForecaster
torch.manual_seed(0)
export_xlstm(XlstmForecaster(XlstmConfig()).eval(), sys.argv[1] + '/tirex-full.onnx', sys.argv[1] + '/tirex-full.head.safetensors')
" "$(cd .. && pwd)/$WORK" >&2 2>/dev/null); then
    full="$WORK/tirex-full.onnx"
  else
    say "the full-size graph could not be exported (python3 with torch and onnx needed): its column stays empty"
  fi
fi

# --- the runner: one provider per process, no fallback ---------------------------------------
cat > "$WORK/run.js" <<'JS'
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ort = require(path.resolve('node_modules/onnxruntime-node'));
const [provider, tol, full, reps] = [process.argv[2], Number(process.argv[3]), process.argv[4] || '', Number(process.argv[5] || 5)];

function readSafetensors(file) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = t.data_offsets;
    const bytes = buf.subarray(8 + n + a, 8 + n + b);
    const copy = new Uint8Array(bytes).buffer;
    const data = t.dtype === 'F32' ? new Float32Array(copy) : t.dtype === 'I64' ? new BigInt64Array(copy) : t.dtype === 'I32' ? new Int32Array(copy) : null;
    if (!data) throw new Error(`${file}: dtype ${t.dtype}`);
    out[name] = new ort.Tensor(t.dtype === 'F32' ? 'float32' : t.dtype === 'I64' ? 'int64' : 'int32', data, t.shape);
  }
  return out;
}

async function session(file) {
  return ort.InferenceSession.create(file, { executionProviders: [provider], graphOptimizationLevel: 'all' });
}

function compare(actual, expected) {
  let abs = 0, den = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], b = expected[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const d = Math.abs(a - b);
    abs = Number.isNaN(d) ? Infinity : Math.max(abs, d);
    den = Math.max(den, Math.abs(b));
  }
  return { abs, rel: abs === 0 ? 0 : abs / den };
}

function walk(batch, len) {
  const x = new Float32Array(batch * len);
  let seed = 1;
  for (let b = 0; b < batch; b++) {
    let v = 50;
    for (let i = 0; i < len; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      v += seed / 2147483648 - 0.5;
      x[b * len + i] = v;
    }
  }
  return new ort.Tensor('float32', x, [batch, len]);
}

async function throughput(file, head, batch, len) {
  const s = await session(file);
  const feeds = { context: walk(batch, len), ...head };
  const extra = { new_patches: new ort.Tensor('int64', BigInt64Array.from([1n]), [1]), scale_factor: new ort.Tensor('float32', Float32Array.from([1]), [1]), horizon: new ort.Tensor('int64', BigInt64Array.from([24n]), [1]) };
  for (const [k, v] of Object.entries(extra)) if (s.inputNames.includes(k)) feeds[k] = v;
  for (const k of Object.keys(feeds)) if (!s.inputNames.includes(k)) delete feeds[k];
  await s.run(feeds);
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await s.run(feeds);
    ts.push((performance.now() - t) / 1000);
  }
  await s.release();
  ts.sort((a, b) => a - b);
  return batch / ts[Math.floor(ts.length / 2)];
}

(async () => {
  const row = { provider, loads: false, parityMaxAbs: null, parityMaxRel: null, parityCases: 0, pass: false, seriesPerSec: {}, error: null };
  try {
    const manifest = JSON.parse(fs.readFileSync('models/manifest.json', 'utf8'));
    let maxAbs = 0, maxRel = 0, cases = 0;
    for (const entry of manifest.models) {
      const indexFile = path.join('models/fixtures', entry.id, 'index.json');
      if (!fs.existsSync(indexFile)) continue;
      const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
      const s = await session(path.join('models', entry.file));
      row.loads = true;
      const defaultHead = readSafetensors(path.join('models', entry.head.file));
      for (const c of index.cases) {
        const t = readSafetensors(path.join('models/fixtures', entry.id, c.file));
        const head = c.head === 'custom' ? t : defaultHead;
        const feeds = {};
        for (const n of c.inputs) feeds[n] = t[n];
        for (const n of entry.head.tensors) feeds[n] = head[n];
        const out = await s.run(feeds);
        for (const n of c.outputs) {
          const e = compare(out[n].data, t[n].data);
          maxAbs = Math.max(maxAbs, e.abs);
          maxRel = Math.max(maxRel, e.rel);
        }
        cases++;
      }
      await s.release();
      const h = Object.fromEntries(entry.head.tensors.map((n) => [n, defaultHead[n]]));
      if (entry.id === 'xlstm-dev' || entry.id === 'ssm-dev') row.seriesPerSec[entry.id] = await throughput(path.join('models', entry.file), h, 256, 512);
    }
    Object.assign(row, { parityMaxAbs: maxAbs, parityMaxRel: maxRel, parityCases: cases, pass: cases > 0 && maxRel <= tol });
    if (full && fs.existsSync(full)) row.seriesPerSec['tirex-full'] = await throughput(full, readSafetensors(full.replace(/\.onnx$/, '.head.safetensors')), 256, 2048);
  } catch (err) {
    row.error = String(err && err.message ? err.message : err).split('\n')[0].slice(0, 400);
  }
  process.stdout.write(JSON.stringify(row) + '\n');
})();
JS

# --- run every provider and print the table --------------------------------------------------
results=()
for p in "${providers[@]}"; do
  say "running $p ..."
  f=""
  [ "$p" != cpu ] && f="$full"
  line=$(TSFM_EXECUTION_PROVIDERS=$p node "$WORK/run.js" "$p" "$TOL" "$f" "${GPU_CHECK_REPS:-5}" 2>"$WORK/$p.stderr" | tail -1)
  [ -n "$line" ] || line="{\"provider\":\"$p\",\"loads\":false,\"error\":\"runner crashed: see $WORK/$p.stderr\",\"seriesPerSec\":{}}"
  results+=("$line")
done

printf '%s\n' "${results[@]}" | node -e '
const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const tol = process.argv[1];
const fmt = (x, d) => (x === null || x === undefined ? "-" : typeof x === "number" ? x.toExponential(d) : String(x));
const sps = (r, k) => (r.seriesPerSec && r.seriesPerSec[k] ? Math.round(r.seriesPerSec[k]).toLocaleString("en-US") : "-");
console.log(`provider | loads | parity max abs err | parity max rel err (tol ${tol}) | parity | xlstm-dev series/s @256 | ssm-dev series/s @256 | full-size xLSTM series/s @256`);
for (const r of rows) {
  const verdict = !r.loads ? "n/a" : r.pass ? "PASS" : "FAIL";
  console.log(`${r.provider.padEnd(8)} | ${String(r.loads).padEnd(5)} | ${fmt(r.parityMaxAbs, 2).padStart(18)} | ${fmt(r.parityMaxRel, 2).padStart(29)} | ${verdict.padEnd(6)} | ${sps(r, "xlstm-dev").padStart(23)} | ${sps(r, "ssm-dev").padStart(21)} | ${sps(r, "tirex-full")}`);
}
for (const r of rows) if (r.error) console.log(`${r.provider}: ${r.error}`);
' "$TOL"
for p in "${providers[@]}"; do [ -n "${note[$p]:-}" ] && echo "$p: ${note[$p]}"; done
echo "target: parity within $TOL; TiRex publishes 5,318 series/s at batch 256 (context 2048) on an H100 with its CUDA kernel"
# A provider that fails to load is reported, not fatal: the service falls back to CPU the same way.
# The CPU row must pass parity: anything else means the models or fixtures are broken.
printf '%s\n' "${results[0]}" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); process.exit(r.pass ? 0 : 1)'
