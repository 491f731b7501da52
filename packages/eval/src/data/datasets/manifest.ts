import { dirname, extname, resolve } from 'node:path';
import { VitOptError } from '@vit-opt/graph';
import { readUserFile } from '../user-files.js';
import { parseCsv } from './csv.js';
import type { Dataset, DatasetItem } from './dataset.js';
import {
  describeKnownLabels,
  resolveLabelIndex,
  type LabelIndex,
  type LabelSource,
} from './labels.js';

/**
 * A dataset listed in a manifest: CSV with a header naming `path` and `label` columns (others
 * are ignored), or JSON Lines of `{"path": ..., "label": ...}` (`.jsonl`/`.ndjson`, or any file
 * whose first character is `{`). Relative paths resolve against the manifest's folder. A label
 * is a label name, or an index (a JSON number, or digits that are not a label name); names
 * need `labels`. Items keep the manifest's order.
 */
export async function readManifest(path: string, labels: LabelSource = {}): Promise<Dataset> {
  const manifestPath = resolve(path);
  const text = await readUserFile(path, 'manifest', MAX_MANIFEST_BYTES);
  const rows = isJsonLines(manifestPath, text) ? jsonLinesRows(text, path) : csvRows(text, path);
  const labelOf = labelResolver(await resolveLabelIndex(labels));
  const folder = dirname(manifestPath);
  const items: DatasetItem[] = rows.map((row, index) => ({
    index,
    path: resolve(folder, row.path),
    label: labelOf(row.label, `${path}:${row.line}`),
  }));
  if (items.length === 0) {
    throw new VitOptError('INVALID_ARGUMENT', 'the manifest lists no images', { subject: path });
  }
  refuseRepeatedImages(items, rows, path);
  return { source: manifestPath, items };
}

/** The longest string V8 makes: some five million rows. */
const MAX_MANIFEST_BYTES = 0x1fff_ffe8;

/**
 * An image listed twice would count twice in every metric (and a merge of shards could not tell
 * the rows apart); listed with two labels, one of them is wrong. Both are refused, naming the lines.
 */
function refuseRepeatedImages(items: readonly DatasetItem[], rows: readonly ManifestRow[], subject: string): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const earlier = first.get(item.path);
    if (earlier === undefined) {
      first.set(item.path, i);
      return;
    }
    const [a, b] = [rows[earlier]!, rows[i]!];
    const lines = `lines ${a.line} and ${b.line}`;
    throw new VitOptError(
      'INVALID_ARGUMENT',
      items[earlier]!.label === item.label
        ? `${lines} list the same image (${b.path}) twice`
        : `${lines} give the same image (${b.path}) different labels (${a.label} and ${b.label})`,
      { subject },
    );
  });
}

interface ManifestRow {
  readonly path: string;
  readonly label: string | number;
  readonly line: number;
}

function isJsonLines(path: string, text: string): boolean {
  const extension = extname(path).toLowerCase();
  return extension === '.jsonl' || extension === '.ndjson' || text.trimStart().startsWith('{');
}

function jsonLinesRows(text: string, subject: string): ManifestRow[] {
  const rows: ManifestRow[] = [];
  text.split(/\r?\n/).forEach((content, i) => {
    if (content.trim() === '') return;
    const line = i + 1;
    let record: unknown;
    try {
      record = JSON.parse(content);
    } catch (error) {
      throw new VitOptError(
        'CORRUPT',
        `line ${line} is not valid JSON (${(error as Error).message})`,
        {
          subject,
          cause: error,
        },
      );
    }
    const { path, label } = (record ?? {}) as { path?: unknown; label?: unknown };
    if (
      typeof path !== 'string' ||
      path === '' ||
      (typeof label !== 'string' && typeof label !== 'number')
    ) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `line ${line} must be {"path": "<file>", "label": <name or index>}`,
        { subject },
      );
    }
    rows.push({ path, label, line });
  });
  return rows;
}

function csvRows(text: string, subject: string): ManifestRow[] {
  const records = parseCsv(text);
  if ('error' in records) throw new VitOptError('CORRUPT', records.error, { subject });
  const [header, ...body] = records;
  const columns = header?.fields.map((name) => name.trim()) ?? [];
  const pathColumn = columns.indexOf('path');
  const labelColumn = columns.indexOf('label');
  if (pathColumn < 0 || labelColumn < 0) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'the CSV header must name a "path" and a "label" column',
      {
        subject,
      },
    );
  }
  return body.map(({ fields, line }) => {
    const path = fields[pathColumn]?.trim() ?? '';
    const label = fields[labelColumn]?.trim() ?? '';
    if (path === '' || label === '') {
      throw new VitOptError('INVALID_ARGUMENT', `line ${line} has no path or no label`, {
        subject,
      });
    }
    return { path, label, line };
  });
}

function labelResolver(labels: LabelIndex | undefined) {
  const indices = labels === undefined ? undefined : new Set(labels.values());
  return (label: string | number, subject: string): number => {
    if (typeof label === 'string') {
      const named = labels?.get(label);
      if (named !== undefined) return named;
      if (!/^\d+$/.test(label)) {
        const known =
          labels === undefined
            ? 'no labels were given'
            : `known labels: ${describeKnownLabels(labels)}`;
        throw new VitOptError(
          'INVALID_ARGUMENT',
          `label "${label}" is not a known label (${known})`,
          {
            subject,
          },
        );
      }
    }
    const index = Number(label);
    if (!Number.isInteger(index) || index < 0 || (indices !== undefined && !indices.has(index))) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `label ${label} is not a label index of the model`,
        {
          subject,
        },
      );
    }
    return index;
  };
}
