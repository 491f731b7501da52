import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@vit-opt/graph';

export const MANIFEST_FILE = 'manifest.json';
const FORMAT = 'vit-opt.variant-manifest';
const VERSION = 1;

/**
 * What a variant folder was made from, written last into it: each stage's content hash (its
 * inputs: model bytes, recipe, data, tool version) and what it produced. A later run whose
 * hashes match reuses the stage.
 */
export interface VariantManifest {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly name: string;
  readonly kind: string;
  readonly tool: string;
  readonly build: {
    readonly key: string;
    readonly modelSha256: string;
    readonly notes: readonly string[];
  };
  readonly eval: { readonly key: string; readonly file: string };
  readonly bench: { readonly key: string; readonly file: string };
}

export function newManifest(fields: Omit<VariantManifest, 'format' | 'version'>): VariantManifest {
  return { format: FORMAT, version: VERSION, ...fields };
}

/** The manifest of a variant folder; undefined when there is none or it is not one of ours. */
export function readManifest(dir: string): VariantManifest | undefined {
  try {
    const value = JSON.parse(
      readFileSync(join(dir, MANIFEST_FILE), 'utf8'),
    ) as Partial<VariantManifest>;
    return value.format === FORMAT && value.version === VERSION
      ? (value as VariantManifest)
      : undefined;
  } catch {
    return undefined;
  }
}

export function writeManifest(dir: string, manifest: VariantManifest): void {
  writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
