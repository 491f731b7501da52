import { VitOptError } from '../errors.js';
import type { Model } from '../ir/model.js';
import type { Pass, PassContext } from './pass.js';
import { LOAD_CHECKS, validateModel, validationError, type ValidateOptions } from './validate.js';

export interface PassStep {
  pass: string;
  iteration: number;
  modified: boolean;
  durationMs: number;
  notes: string[];
}

export interface PassRunReport {
  modified: boolean;
  iterations: number;
  steps: PassStep[];
}

export interface RunPassesOptions {
  context?: PassContext;
  /**
   * Check the model after every pass and fail naming the pass that broke it. A pass is held to
   * what its input met: sorted nodes and unique node names only if the model had them.
   */
  validate?: boolean;
  /**
   * Check the model before the first pass (default true): a model that was broken already is
   * refused as such, rather than blamed on the first pass that trips over it. Only for experts
   * who checked it themselves.
   */
  validateInput?: boolean;
  /** Repeat the whole list until no pass modifies the model (at most maxIterations times). */
  untilStable?: boolean;
  maxIterations?: number;
  /** Checked before each pass: once aborted, the run stops with the signal's reason. */
  signal?: AbortSignal;
}

/** Runs passes in order; a failure names the pass and the passes that ran before it. */
export async function runPasses(
  model: Model,
  passes: readonly Pass[],
  options: RunPassesOptions = {},
): Promise<PassRunReport> {
  const context = options.context ?? {};
  const maxIterations = options.untilStable ? (options.maxIterations ?? 8) : 1;
  const steps: PassStep[] = [];
  let heldTo: ValidateOptions = {};
  if (options.validateInput ?? true) {
    const issues = validateModel(model, LOAD_CHECKS);
    if (issues.length > 0) {
      throw validationError(issues, 'model', 'the model is invalid before any pass ran: ');
    }
    if (options.validate && validateModel(model).length > 0) heldTo = LOAD_CHECKS;
  }
  let anyModified = false;
  let iteration = 0;
  while (iteration < maxIterations) {
    iteration += 1;
    let modifiedThisRound = false;
    for (const pass of passes) {
      options.signal?.throwIfAborted();
      const started = performance.now();
      let result;
      try {
        result = await pass.run(model, context);
      } catch (error) {
        throw passFailure(pass, steps, error instanceof Error ? error.message : String(error), error);
      }
      steps.push({
        pass: pass.name,
        iteration,
        modified: result.modified,
        durationMs: performance.now() - started,
        notes: result.notes ?? [],
      });
      if (options.validate) {
        const issues = validateModel(model, heldTo);
        if (issues.length > 0) {
          const first = issues[0]!;
          const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
          throw passFailure(pass, steps, `left an invalid model: ${first.subject}: ${first.message}${more}`);
        }
      }
      modifiedThisRound ||= result.modified;
    }
    anyModified ||= modifiedThisRound;
    if (!modifiedThisRound) break;
  }
  return { modified: anyModified, iterations: iteration, steps };
}

function passFailure(pass: Pass, steps: readonly PassStep[], message: string, cause?: unknown): VitOptError {
  const before = steps.length === 0 ? 'as the first pass' : `after ${[...new Set(steps.map((s) => s.pass))].join(', ')}`;
  return new VitOptError('PASS_FAILED', `${message} (ran ${before})`, {
    subject: `pass '${pass.name}'`,
    cause,
  });
}
