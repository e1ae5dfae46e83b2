import { describe, expect, it } from 'vitest';
import {
  HeadSpec,
  HeadWindow,
  Params,
  batchLossAndGrad,
  evaluate,
  quantileMatrix,
  rng,
  ssmBasis,
  ssmStepsPerPosition,
  ssmTiles,
  toParams,
  trainHead,
  zerosLike,
} from './head-math';

function randomWeights(shapes: Record<string, number[]>, seed: number): Record<string, Float32Array> {
  const r = rng(seed);
  return Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (r() - 0.5) * 0.8)]));
}

function xlstmSpec(): HeadSpec {
  const E = 4,
    F = 5,
    P = 3;
  return new HeadSpec('xlstm', {
    'head.hidden_layer.weight': [F, E],
    'head.hidden_layer.bias': [F],
    'head.output_layer.weight': [9 * P, F],
    'head.output_layer.bias': [9 * P],
    'head.residual_layer.weight': [9 * P, E],
    'head.residual_layer.bias': [9 * P],
  });
}

function ssmSpec(): HeadSpec {
  return new HeadSpec('ssm', { 'head.weight': [9 * 3, 4], 'head.bias': [9 * 3] });
}

function windows(spec: HeadSpec, n: number, h: number, seed: number): HeadWindow[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    let pos: Int32Array, off: Int32Array, M: number, basis: Float64Array | undefined;
    if (spec.family === 'xlstm') {
      M = Math.ceil(h / spec.patch);
      pos = Int32Array.from({ length: h }, (_, k) => Math.floor(k / spec.patch));
      off = Int32Array.from({ length: h }, (_, k) => k % spec.patch);
    } else {
      const P = 2;
      ({ pos, off, M } = ssmTiles(h, P));
      basis = ssmBasis(P, 12, spec.ddec);
    }
    const loc = Float64Array.from({ length: M }, () => r() * 10);
    const scale = Float64Array.from({ length: M }, () => 0.5 + r() * 2);
    // A learnable pattern (a shape per offset) plus noise, in each position's units.
    const target = Float64Array.from({ length: h }, (_, k) => (k === 1 ? NaN : loc[pos[k]] + scale[pos[k]] * (1.5 * Math.cos(off[k]) + 0.3 * (r() - 0.5))));
    return { emb: Float32Array.from({ length: M * spec.E }, () => r() * 2 - 1), M, loc, scale, pos, off, basis, target, maseScale: 1 + r() };
  });
}

function lossAt(spec: HeadSpec, p: Params, ws: HeadWindow[], loss: 'pinball' | 'mse'): number {
  return batchLossAndGrad(spec, p, zerosLike(p), ws, loss);
}

describe('head math', () => {
  for (const family of ['xlstm', 'ssm'] as const) {
    it(`${family}: analytic gradients match central differences`, () => {
      const spec = family === 'xlstm' ? xlstmSpec() : ssmSpec();
      const p = toParams(randomWeights(spec.shapes, 7));
      const ws = windows(spec, 3, 7, 11);
      const g = zerosLike(p);
      batchLossAndGrad(spec, p, g, ws, 'mse');
      let checked = 0;
      let worst = 0;
      for (const name of spec.names()) {
        for (let i = 0; i < p[name].length; i += 3) {
          const old = p[name][i];
          p[name][i] = old + 1e-6;
          const up = lossAt(spec, p, ws, 'mse');
          p[name][i] = old - 1e-6;
          const down = lossAt(spec, p, ws, 'mse');
          p[name][i] = old;
          const num = (up - down) / 2e-6;
          worst = Math.max(worst, Math.abs(num - g[name][i]) / Math.max(1e-3, Math.abs(num)));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(20);
      expect(worst).toBeLessThan(1e-4);
    });

    it(`${family}: training lowers the loss and is bit-identical for the same seed`, async () => {
      const spec = family === 'xlstm' ? xlstmSpec() : ssmSpec();
      const base = randomWeights(spec.shapes, 3);
      const train = windows(spec, 40, 6, 5);
      const a = await trainHead(spec, base, train, train.slice(0, 10), {
        steps: 200,
        learningRate: 0.03,
        loss: 'pinball',
        seed: 9,
        batchSize: 8,
        patience: 100,
      });
      const b = await trainHead(spec, base, train, train.slice(0, 10), {
        steps: 200,
        learningRate: 0.03,
        loss: 'pinball',
        seed: 9,
        batchSize: 8,
        patience: 100,
      });
      const c = await trainHead(spec, base, train, train.slice(0, 10), {
        steps: 200,
        learningRate: 0.03,
        loss: 'pinball',
        seed: 10,
        batchSize: 8,
        patience: 100,
      });
      expect(a.after.wql).toBeLessThan(a.before.wql * 0.7);
      for (const k of spec.names()) expect(Buffer.from(a.weights[k].buffer).equals(Buffer.from(b.weights[k].buffer))).toBe(true);
      expect(spec.names().some((k) => !Buffer.from(a.weights[k].buffer).equals(Buffer.from(c.weights[k].buffer)))).toBe(true);
      expect(evaluate(spec, toParams(a.weights), train.slice(0, 10)).wql).toBeCloseTo(a.after.wql, 12);
    });
  }

  it('ssm tiling, steps per position and the quantile matrix follow the toolchain', () => {
    expect(ssmStepsPerPosition(24 / 168)).toBe(168);
    expect(ssmStepsPerPosition(1)).toBe(24);
    expect(ssmStepsPerPosition(2)).toBe(12);
    const t = ssmTiles(53, 24); // mask_n = 29: positions 0 and 24 emit whole tiles, the tail comes from 29
    expect(t.M).toBe(30);
    expect([t.pos[0], t.pos[23], t.pos[24], t.pos[47], t.pos[48], t.pos[52]]).toEqual([0, 0, 24, 24, 29, 29]);
    expect([t.off[48], t.off[52]]).toEqual([19, 23]);
    const q = quantileMatrix([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(q[0 * 9 + 0]).toBeCloseTo(0.2, 12);
    expect(q[0 * 9 + 1]).toBeCloseTo(0.8, 12);
    expect(q[4 * 9 + 4]).toBeCloseTo(1, 12); // 0.5 · 8 = 4 exactly: the median row picks sorted[4]
  });
});
