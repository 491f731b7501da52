import { InferenceSession, type Tensor as OrtTensor } from 'onnxruntime-node';
import type { Tensor } from '@vit-opt/graph';
import {
  dataTypeOfOrtType,
  fromOrtTensor,
  toOrtTensor,
} from '../../packages/eval/src/runtime/tensor-convert.js';
import type { DataSetValues } from './data-set-values.js';
import { errorLine } from './error-line.js';

/** Where a run stopped: the session, a feed, an output it cannot return, or the run itself. */
export type RunStage = 'load' | 'feed' | 'fetch' | 'run';

export type RunOutcome =
  | { readonly ran: true; readonly outputs: ReadonlyArray<ReadonlyMap<string, Tensor>> }
  | { readonly ran: false; readonly stage: RunStage; readonly reason: string };

const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  // The ops as written: a difference between two models must not hide behind graph rewrites.
  graphOptimizationLevel: 'disabled',
  // The suite's models are tiny; one thread is deterministic and leaves the shared cores alone.
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  // Failures come back as exceptions; onnxruntime's own log lines would only repeat them.
  logSeverityLevel: 4,
};

/** Runs the model file on each data set's feeds and returns its outputs, one map per set. */
export async function runOnDataSets(
  modelPath: string,
  dataSets: readonly DataSetValues[],
): Promise<RunOutcome> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(modelPath, SESSION_OPTIONS);
  } catch (error) {
    return { ran: false, stage: 'load', reason: errorLine(error) };
  }
  try {
    const unfetchable = session.outputMetadata.find(
      (output) => !output.isTensor || dataTypeOfOrtType(output.type) === undefined,
    );
    if (unfetchable !== undefined) {
      // Fetching it would throw, or (int4, uint4) abort the whole process.
      const what = unfetchable.isTensor ? `a ${unfetchable.type} tensor` : 'not a tensor';
      return { ran: false, stage: 'fetch', reason: `output '${unfetchable.name}' is ${what}` };
    }
    const outputs: Map<string, Tensor>[] = [];
    for (const dataSet of dataSets) {
      const feeds: Record<string, OrtTensor> = {};
      try {
        for (const [name, tensor] of dataSet.feeds) feeds[name] = toOrtTensor(tensor);
      } catch (error) {
        return { ran: false, stage: 'feed', reason: errorLine(error) };
      }
      let results: InferenceSession.ReturnType;
      try {
        results = await session.run(feeds);
      } catch (error) {
        return { ran: false, stage: 'run', reason: errorLine(error) };
      }
      outputs.push(
        new Map(Object.entries(results).map(([name, value]) => [name, fromOrtTensor(value, name)])),
      );
    }
    return { ran: true, outputs };
  } finally {
    await session.release();
  }
}
