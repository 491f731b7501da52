import type { Variant, ReportData } from '../data/report-data.js';

/** The family the bundled DejaVu Sans is registered under, so no system font stands in. */
export const FONT_FAMILY = 'vit-opt DejaVu Sans';
export const TEXT_COLOR = '#1f2937';
export const MUTED_TEXT_COLOR = '#4b5563';
export const GRID_COLOR = '#e5e7eb';
export const BASELINE_COLOR = '#6b7280';
/** Okabe and Ito's colour-blind-safe palette, without its yellow (too light on white). */
const VARIANT_COLORS = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#332288',
  '#882255',
];
export const DROP_COLOR = '#C62828';
export const GAIN_COLOR = '#2E7D32';
export const NEUTRAL_COLOR = '#5B7FA6';
export const UNKNOWN_COLOR = '#B0B7C3';

/** One colour per variant, the same in every chart: grey for the baseline. */
export function variantColor(data: ReportData, variant: Variant): string {
  if (variant === data.baseline) return BASELINE_COLOR;
  const index = data.variants.filter((v) => v !== data.baseline).indexOf(variant);
  return VARIANT_COLORS[index % VARIANT_COLORS.length]!;
}

export function font(size: number, weight: 'normal' | 'bold' = 'normal') {
  return { family: FONT_FAMILY, size, weight } as const;
}

/** Title and subtitle plugin options. */
export function headings(title: string, subtitle: string) {
  return {
    title: {
      display: true,
      text: title,
      color: TEXT_COLOR,
      font: font(18, 'bold'),
      padding: { top: 4, bottom: 4 },
    },
    subtitle: {
      display: true,
      text: subtitle,
      color: MUTED_TEXT_COLOR,
      font: font(12.5),
      padding: { bottom: 10 },
    },
  } as const;
}

/** A legend at the top, in the bundled font. */
export function legend(display = true) {
  return {
    display,
    position: 'top',
    labels: { color: TEXT_COLOR, font: font(12.5), boxWidth: 14, boxHeight: 14 },
  } as const;
}

/** An axis with a title (which carries the unit) and ticks in the bundled font. */
export function axis(title: string) {
  return {
    title: { display: true, text: title, color: TEXT_COLOR, font: font(13, 'bold') },
    ticks: { color: TEXT_COLOR, font: font(12) },
    grid: { color: GRID_COLOR },
    border: { color: '#9ca3af' },
  } as const;
}

/** Legend entries, one per variant, in its colour. */
export function variantLegendItems(data: ReportData, variants: readonly Variant[]) {
  return variants.map((v) => ({
    text: v === data.baseline ? `${v.name} (baseline)` : v.name,
    fillStyle: variantColor(data, v),
    strokeStyle: variantColor(data, v),
    lineWidth: 0,
    hidden: false,
  }));
}

/** A legend at the top with one entry per variant, in its colour (the bar charts' legend). */
export function variantLegend(data: ReportData, variants: readonly Variant[]) {
  return {
    ...legend(),
    labels: { ...legend().labels, generateLabels: () => variantLegendItems(data, variants) },
  };
}
