// Small numeric helpers for the bench tables: medians, rates, formatting.

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))]!;
}

export function ms(n: number): string {
  return `${n.toFixed(1)} ms`;
}

export function rate(n: number): string {
  return `${Math.round(n).toLocaleString('en-US')}/s`;
}

export const sleep = (msec: number) => new Promise<void>((r) => setTimeout(r, msec));

/** Elapsed milliseconds since `t0` (from performance.now()). */
export const since = (t0: number) => performance.now() - t0;
