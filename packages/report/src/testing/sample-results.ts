import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { BenchResults, EvalResults, ResultsDocument } from '@vit-opt/eval/results';
import type { ReportInput } from '../inputs/report-input.js';

/**
 * The committed sample results (fixtures/results/vit-tiny-hf): real `vit-opt eval` and `vit-opt
 * bench` runs of the tiny ViT and three variants of it, so tests need no model runs.
 */
export const SAMPLE_VARIANTS = ['fp32', 'int8-dynamic', 'int8-fused', 'int4'] as const;
export type SampleVariant = (typeof SAMPLE_VARIANTS)[number];

export function samplePath(variant: SampleVariant, kind: 'eval' | 'bench'): string {
  return fileURLToPath(
    new URL(`../../../../fixtures/results/vit-tiny-hf/${variant}.${kind}.json`, import.meta.url),
  );
}

/** Every sample file, eval then bench of each variant. */
export function samplePaths(): string[] {
  return SAMPLE_VARIANTS.flatMap((v) => [samplePath(v, 'eval'), samplePath(v, 'bench')]);
}

export function readSample(variant: SampleVariant, kind: 'eval'): EvalResults;
export function readSample(variant: SampleVariant, kind: 'bench'): BenchResults;
export function readSample(variant: SampleVariant, kind: 'eval' | 'bench'): ResultsDocument {
  return JSON.parse(readFileSync(samplePath(variant, kind), 'utf8')) as ResultsDocument;
}

/** Every sample as report inputs, read without validation (tests change them). */
export function sampleInputs(): ReportInput[] {
  return SAMPLE_VARIANTS.flatMap((v) => [
    { source: `${v}.eval.json`, results: readSample(v, 'eval') },
    { source: `${v}.bench.json`, results: readSample(v, 'bench') },
  ]);
}
