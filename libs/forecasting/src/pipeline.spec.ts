import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '#model-runtime';
import { baselineEntry } from './backtest-baselines';
import { prepareSeries } from './pipeline';

describe('prepareSeries context length', () => {
  const hour = 3_600_000;
  const ts = Array.from({ length: 3000 }, (_, i) => Date.UTC(2026, 0, 1) + i * hour);
  const vs = ts.map((_, i) => Math.sin((2 * Math.PI * i) / 24) + i / 1000);
  const entry = (over: Partial<ManifestEntry>): ManifestEntry => ({ ...baselineEntry('naive', [0.5]), contextLength: 2048, ...over });
  const opts = { span: { horizon: 24 }, frequency: '1h', quantiles: [0.5] };

  it("feeds the model's defaultContext without a contextLength, up to contextLength when asked, the newest points", () => {
    const noDefault = prepareSeries(ts, vs, entry({}), opts);
    expect(noDefault.request.context.length).toBe(2048);
    const withDefault = prepareSeries(ts, vs, entry({ defaultContext: 1024 }), opts);
    expect(withDefault.request.context.length).toBe(1024);
    expect(Array.from(withDefault.request.context.slice(-3))).toEqual(Array.from(Float32Array.from(vs.slice(-3))));
    expect(prepareSeries(ts, vs, entry({ defaultContext: 1024 }), { ...opts, contextLength: 1500 }).request.context.length).toBe(1500);
    expect(prepareSeries(ts, vs, entry({ defaultContext: 1024 }), { ...opts, contextLength: 4000 }).request.context.length).toBe(2048);
    expect(prepareSeries(ts.slice(0, 300), vs.slice(0, 300), entry({ defaultContext: 1024 }), opts).request.context.length).toBe(300);
  });
});
