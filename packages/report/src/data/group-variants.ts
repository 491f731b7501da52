import { VitOptError } from '@vit-opt/graph';
import type {
  BenchMeasurement,
  BenchResults,
  EvalResults,
  ModelDescription,
} from '@vit-opt/eval/results';
import type { ReportInput } from '../inputs/report-input.js';
import type { Sourced, Variant } from './report-data.js';

/**
 * Groups results by model file (SHA-256): one variant per model, with at most one eval result and
 * any number of bench results, in the order the variants' first files were given.
 */
export function groupVariants(inputs: readonly ReportInput[]): Variant[] {
  const groups = new Map<string, Group>();
  for (const input of inputs) {
    const { model } = input.results;
    let group = groups.get(model.sha256);
    if (group === undefined) {
      group = { model, name: input.name, firstSource: input.source, eval: null, bench: [] };
      groups.set(model.sha256, group);
    } else if (input.name !== undefined) {
      if (group.name !== undefined && group.name !== input.name) {
        throw new VitOptError(
          'INVALID_ARGUMENT',
          `names the model of ${group.firstSource} "${input.name}", which is already "${group.name}"`,
          { subject: input.source },
        );
      }
      group.name = input.name;
    }
    if (input.results.kind === 'eval') {
      if (group.eval !== null) {
        throw new VitOptError(
          'INVALID_ARGUMENT',
          `eval results of the same model as ${group.eval.source} (${model.sha256.slice(0, 12)}); ` +
            'give one eval result per variant',
          { subject: input.source },
        );
      }
      group.eval = { source: input.source, results: input.results };
    } else {
      group.bench.push({ source: input.source, results: input.results });
    }
  }
  const taken = new Set<string>();
  return [...groups.values()].map((group) => {
    const name = uniqueName(group.name ?? nameFromModelPath(group.model.path), taken);
    return {
      name,
      model: group.model,
      eval: group.eval,
      bench: group.bench,
      measurements: mergeMeasurements(group.bench),
      baselineTop1: null,
    };
  });
}

interface Group {
  readonly model: ModelDescription;
  name: string | undefined;
  readonly firstSource: string;
  eval: Sourced<EvalResults> | null;
  readonly bench: Sourced<BenchResults>[];
}

/** `variants/int8/model.onnx` → `int8`; `out/vit-int8.onnx` → `vit-int8`. */
export function nameFromModelPath(path: string): string {
  const parts = path.split(/[\\/]+/).filter((part) => part !== '' && part !== '.');
  const file = parts.at(-1) ?? path;
  const stem = file.replace(/\.onnx$/i, '');
  return stem === 'model' && parts.length >= 2 ? parts.at(-2)! : stem;
}

export function uniqueName(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let n = 2; taken.has(name); n++) name = `${wanted} (${n})`;
  taken.add(name);
  return name;
}

/** One measurement per (batch size, threads); a later file's replaces an earlier one's. */
function mergeMeasurements(bench: readonly Sourced<BenchResults>[]): BenchMeasurement[] {
  const byConfig = new Map<string, BenchMeasurement>();
  for (const { results } of bench) {
    for (const m of results.bench.measurements) {
      byConfig.set(`${m.batch_size}x${m.intra_op_threads}`, m);
    }
  }
  return [...byConfig.values()].sort(
    (a, b) => a.batch_size - b.batch_size || a.intra_op_threads - b.intra_op_threads,
  );
}
