import { isDeepStrictEqual } from 'node:util';
import type { EnvironmentDescription } from '@vit-opt/eval/results';
import type { ReportInput } from '../inputs/report-input.js';
import type { EnvironmentGroup } from './report-data.js';

/**
 * The distinct environments the results were measured in, each with its files. Warnings are
 * about a run (an int8 model on this CPU), not the machine: they are left out of the comparison
 * and gathered by environmentWarnings.
 */
export function groupEnvironments(inputs: readonly ReportInput[]): EnvironmentGroup[] {
  const groups: { environment: EnvironmentDescription; sources: string[] }[] = [];
  for (const { source, results } of inputs) {
    const environment = withoutWarnings(results.environment);
    const group = groups.find((g) => isDeepStrictEqual(g.environment, environment));
    if (group === undefined) groups.push({ environment, sources: [source] });
    else group.sources.push(source);
  }
  return groups;
}

/** Each warning the runs' environments carry, once, with the files that carry it. */
export function environmentWarnings(inputs: readonly ReportInput[]): string[] {
  const bySources = new Map<string, string[]>();
  for (const { source, results } of inputs) {
    for (const warning of results.environment.warnings ?? []) {
      bySources.set(warning, [...(bySources.get(warning) ?? []), source]);
    }
  }
  return [...bySources].map(
    ([warning, sources]) => `${warning.replace(/\.$/, '')} (${sources.join(', ')})`,
  );
}

function withoutWarnings(environment: EnvironmentDescription): EnvironmentDescription {
  const { warnings: _warnings, ...rest } = environment;
  return rest;
}
