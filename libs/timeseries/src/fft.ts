/** Smallest power of two >= n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** In-place iterative radix-2 FFT (inverse without the 1/N scaling); length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      // Plain swaps: a destructuring swap allocates an array per element (a third of prepare's time).
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len >> 1; k++) {
        const a = i + k;
        const b = a + (len >> 1);
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/**
 * Power spectrum and circular-free autocovariance sums of a zero-mean series (NaN counts as 0),
 * zero-padded to a power of two >= 2n: `power[j]` at frequency j/size cycles per step (j <= size/2),
 * `autocov[k]` = sum over t of x[t]·x[t+k] for k < n.
 */
export function spectrum(x: ArrayLike<number>): { size: number; power: Float64Array; autocov: Float64Array } {
  const n = x.length;
  const size = nextPow2(2 * n);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < n; i++) re[i] = x[i] === x[i] ? x[i] : 0;
  fft(re, im);
  const power = new Float64Array(size / 2 + 1);
  for (let j = 0; j < size; j++) {
    re[j] = re[j] * re[j] + im[j] * im[j];
    im[j] = 0;
    if (j <= size / 2) power[j] = re[j];
  }
  fft(re, im, true);
  const autocov = new Float64Array(n);
  for (let k = 0; k < n; k++) autocov[k] = re[k] / size;
  return { size, power, autocov };
}
