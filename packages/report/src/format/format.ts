/**
 * How numbers read in every part of a report (HTML, Markdown, chart labels), so the same figure
 * is written the same way everywhere. Sizes are decimal (kB = 1000 bytes), as vit-opt quantize
 * prints them; accuracy is in percent, its changes in percentage points (pp).
 */

const MINUS = '\u2212';

/** 673898 → "673.9 kB"; 12_345_678 → "12.35 MB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 1 : 2)} ${units[unit]}`;
}

/** The unit and divisor that suit the largest of some byte counts, for a chart axis. */
export function byteScale(maxBytes: number): { unit: string; divisor: number } {
  if (maxBytes >= 1e9) return { unit: 'GB', divisor: 1e9 };
  if (maxBytes >= 1e6) return { unit: 'MB', divisor: 1e6 };
  return { unit: 'kB', divisor: 1e3 };
}

/** 145290 → "145,290". */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** Milliseconds with three significant figures: 0.1009 → "0.101 ms", 12.34 → "12.3 ms". */
export function formatMs(ms: number): string {
  return `${formatSignificant(ms, 3)} ms`;
}

export function formatSignificant(value: number, digits: number): string {
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toFixed(decimals);
}

/** Images per second: 9378.9 → "9,379/s". */
export function formatThroughput(imagesPerSecond: number): string {
  return `${Math.round(imagesPerSecond).toLocaleString('en-US')}/s`;
}

/** A fraction as percent: 0.897 → "89.70%". */
export function formatPercent(fraction: number, decimals = 2): string {
  return `${(100 * fraction).toFixed(decimals)}%`;
}

/** A change of a fraction in percentage points, signed: −0.004 → "−0.40 pp". */
export function formatPoints(delta: number, decimals = 2): string {
  return `${signed(100 * delta, decimals)} pp`;
}

/** A 95% interval of a change, in points: "[−1.10, +0.30]". */
export function formatPointsInterval(ci: readonly [number, number], decimals = 2): string {
  return `[${signed(100 * ci[0], decimals)}, ${signed(100 * ci[1], decimals)}]`;
}

/** A ratio as a signed percent change: 0.466 → "−53.4%". */
export function formatChange(ratio: number): string {
  return `${signed(100 * (ratio - 1), 1)}%`;
}

/** McNemar's p: "0.375", "0.0012", "<0.0001". */
export function formatP(p: number): string {
  if (p < 0.0001) return '<0.0001';
  return p >= 0.01 ? p.toFixed(3) : p.toFixed(4);
}

/** A number with its sign, a real minus sign, and no "−0.00". */
export function signed(value: number, decimals: number): string {
  const text = Math.abs(value).toFixed(decimals);
  if (Number(text) === 0) return (0).toFixed(decimals);
  return `${value < 0 ? MINUS : '+'}${text}`;
}
