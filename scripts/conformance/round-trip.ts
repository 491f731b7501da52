import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel, loadModel, saveModel, type Model } from '@vit-opt/graph';
import { canonicalModel } from './canonical-proto.js';
import { errorLine } from './error-line.js';
import { firstDifference } from './first-difference.js';

export type RoundTripResult =
  | { readonly loaded: false; readonly failure: string }
  | {
      readonly loaded: true;
      /** The model as loadModel read it from the original file. */
      readonly model: Model;
      /** Where saveModel wrote it; undefined when saving failed. */
      readonly savedPath: string | undefined;
      /** Why the round trip is not faithful; undefined when it is. */
      readonly failure: string | undefined;
    };

/**
 * Load → save → load → encode, and two semantic comparisons: the saved model against the model
 * encoded again from it (the round trip must be stable), and the original file against the saved
 * model (nothing the file carries may be dropped or changed).
 */
export function checkRoundTrip(modelPath: string, workDir: string): RoundTripResult {
  let model: Model;
  try {
    model = loadModel(modelPath);
  } catch (error) {
    return { loaded: false, failure: `load: ${errorLine(error)}` };
  }
  const savedPath = join(workDir, 'saved.onnx');
  try {
    saveModel(model, savedPath);
  } catch (error) {
    return { loaded: true, model, savedPath: undefined, failure: `save: ${errorLine(error)}` };
  }
  let failure: string | undefined;
  try {
    failure = roundTripDifference(modelPath, savedPath);
  } catch (error) {
    failure = `reload: ${errorLine(error)}`;
  }
  return { loaded: true, model, savedPath, failure };
}

function roundTripDifference(modelPath: string, savedPath: string): string | undefined {
  const saved = canonicalModel(readFileSync(savedPath));
  const resaved = canonicalModel(encodeModel(loadModel(savedPath)));
  const original = canonicalModel(readFileSync(modelPath));
  return (
    firstDifference(saved, resaved, { left: 'saved', right: 're-saved' }) ??
    firstDifference(original, saved, { left: 'original', right: 'saved' })
  );
}
