import { TimeseriesError } from './errors';
import { Values, ok } from './metrics';

/**
 * Seasonal-naive forecast of h steps: each step repeats the value one season (m) earlier, going
 * back further whole seasons past missing values; NaN when no season has a value at that phase.
 */
export function seasonalNaive(history: Values, h: number, m: number): Float64Array {
  if (!(Number.isInteger(m) && m >= 1)) throw new TimeseriesError('INVALID_ARGUMENT', `season length must be a positive integer, got ${m}`);
  const n = history.length;
  const out = new Float64Array(h).fill(NaN);
  for (let k = 0; k < h; k++) {
    // the latest history index with the same phase as step n + k
    for (let i = n - m + (k % m); i >= 0; i -= m) {
      const v = history[i];
      if (i < n && ok(v)) {
        out[k] = v;
        break;
      }
    }
  }
  return out;
}

/** Naive forecast: the last observed (finite) value, h times. */
export function naive(history: Values, h: number): Float64Array {
  return seasonalNaive(history, h, 1);
}
