import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A package a source file imports without declaring it in its package.json's dependencies. */
export interface UndeclaredImport {
  /** The file, relative to the package folder. */
  readonly file: string;
  readonly specifier: string;
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/**
 * The imports of a package's shipped source (src/, without tests and src/testing/) that name a
 * package its `dependencies` do not list: what would break for a user installing it alone, or a
 * layering rule broken (quantize and prune never import @vit-opt/eval, which is only a
 * devDependency of theirs). Relative and node: imports are its own.
 */
export function undeclaredImports(packageDir: string): UndeclaredImport[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const declared = new Set(Object.keys(manifest.dependencies ?? {}));
  const found: UndeclaredImport[] = [];
  for (const path of shippedSources(join(packageDir, 'src'))) {
    for (const [, specifier] of readFileSync(path, 'utf8').matchAll(IMPORT)) {
      if (specifier!.startsWith('.') || specifier!.startsWith('node:')) continue;
      if (!declared.has(packageName(specifier!))) {
        found.push({ file: relative(packageDir, path), specifier: specifier! });
      }
    }
  }
  return found;
}

function shippedSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : shippedSources(path);
    return /\.(?:ts|mts|js|mjs)$/.test(entry.name) && !/\.test\.[cm]?[jt]s$/.test(entry.name)
      ? [path]
      : [];
  });
}

/** '@scope/name/sub' → '@scope/name'; 'name/sub' → 'name'. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
