import { VitOptError } from '@vit-opt/graph';
import { parseUserJson, readUserFile } from '../user-files.js';

/** Label name -> class index: what class folders and manifest labels are matched against. */
export type LabelIndex = ReadonlyMap<string, number>;

/** Where the label names come from: the model's `id2label`, or a labels file that replaces it. */
export interface LabelSource {
  /** As in a Hugging Face config.json: `{ "0": "tench", ... }`. */
  readonly id2label?: Readonly<Record<string, string>>;
  /** See readLabelsFile for the forms it may take. */
  readonly labelsFile?: string;
}

/** The label index a LabelSource gives, the labels file first; undefined when it gives none. */
export async function resolveLabelIndex(source: LabelSource): Promise<LabelIndex | undefined> {
  if (source.labelsFile !== undefined) return readLabelsFile(source.labelsFile);
  if (source.id2label !== undefined) return fromId2Label(source.id2label, 'id2label');
  return undefined;
}

/**
 * A labels file is one of:
 * - text, one label per line, the line number (from 0) being its index;
 * - a JSON array of label names, likewise;
 * - a JSON object of index -> name, like config.json's `id2label`;
 * - a JSON object of name -> index, like `label2id` (names may be folder names such as WordNet ids).
 */
export async function readLabelsFile(path: string): Promise<LabelIndex> {
  const trimmed = (await readUserFile(path, 'labels file')).trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) {
    return fromNames(
      trimmed.split(/\r?\n/).map((line) => line.trim()),
      path,
    );
  }
  const parsed = parseUserJson(trimmed, path, 'labels file');
  if (Array.isArray(parsed) && parsed.every((name) => typeof name === 'string')) {
    return fromNames(parsed as string[], path);
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const values = Object.values(parsed);
    if (values.every((value) => typeof value === 'string')) {
      return fromId2Label(parsed as Record<string, string>, path);
    }
    if (values.every((value) => Number.isInteger(value) && (value as number) >= 0)) {
      return new Map(Object.entries(parsed as Record<string, number>));
    }
  }
  throw new VitOptError(
    'INVALID_ARGUMENT',
    'labels file must be lines of labels, a JSON array of labels, or a JSON object of index -> label or label -> index',
    { subject: path },
  );
}

function fromNames(names: readonly string[], subject: string): LabelIndex {
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') {
      throw new VitOptError('INVALID_ARGUMENT', `label ${i} is empty`, { subject });
    }
    addLabel(index, name, i, subject);
  });
  return index;
}

function fromId2Label(id2label: Readonly<Record<string, string>>, subject: string): LabelIndex {
  const index = new Map<string, number>();
  for (const [id, name] of Object.entries(id2label)) {
    if (!/^\d+$/.test(id)) {
      throw new VitOptError('INVALID_ARGUMENT', `label id "${id}" is not a non-negative integer`, {
        subject,
      });
    }
    addLabel(index, name, Number(id), subject);
  }
  return index;
}

function addLabel(index: Map<string, number>, name: string, id: number, subject: string): void {
  if (index.has(name)) {
    throw new VitOptError('INVALID_ARGUMENT', `label "${name}" appears more than once`, {
      subject,
    });
  }
  index.set(name, id);
}

/** The known labels for an error message, a long list cut short. */
export function describeKnownLabels(labels: LabelIndex): string {
  const names = [...labels.keys()];
  const shown = names.slice(0, 20).join(', ');
  return names.length > 20 ? `${shown}, ... (${names.length} in all)` : shown;
}
