import { describe, expect, it } from 'vitest';
import { BASELINE_CONTEXT, BASELINE_MAX_HORIZON, backtestRowsNeeded, countTargets } from './backtest-request';

describe('backtest request bounds', () => {
  it('counts targets as series x channels, after a channel filter', () => {
    const series = [{ channels: ['a', 'b', 'c'] }, { channels: ['a'] }, { channels: Array.from({ length: 256 }, (_, i) => `c${i}`) }];
    expect(countTargets(series)).toBe(260);
    expect(countTargets(series, ['a', 'c0'])).toBe(3);
    expect(countTargets([], ['a'])).toBe(0);
  });

  it('reads the windows and the longest context, not the whole history', () => {
    // 3 windows of 24 steps, 24 apart, a 2048-step model context: 4 x (48 + 24 + 2048).
    expect(backtestRowsNeeded({ windows: 3, step: 24, horizon: 24 }, 2048)).toBe(8480);
    expect(backtestRowsNeeded({ windows: 1, step: 1, horizon: 1 }, 0)).toBe(4 * 11);
    expect(backtestRowsNeeded({ windows: 2, step: 10, horizon: BASELINE_MAX_HORIZON }, BASELINE_CONTEXT)).toBe(4 * (10 + 1024 + 4096));
  });
});
