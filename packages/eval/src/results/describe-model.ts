import { stat } from 'node:fs/promises';
import { DataType, VitOptError, loadModel, type Model } from '@vit-opt/graph';
import type { ExternalDataFile, ModelDescription } from './results-document.js';
import { sha256File } from './sha256-file.js';

/** The metadata_props key under which vit-opt records how a variant was made. */
export const RECIPE_METADATA_KEY = 'vit-opt.recipe';

/**
 * Identity and size of a model for a results document: file hashes and sizes (external data
 * included), parameter count and the vit-opt recipe it carries.
 */
export async function describeModel(path: string): Promise<ModelDescription> {
  const model = loadModel(path);
  const externalData = await describeExternalData(model);
  const { size } = await stat(path);
  return {
    path,
    sha256: await sha256File(path),
    size_bytes: externalData.reduce((total, file) => total + file.size_bytes, size),
    external_data: externalData,
    parameter_count: countParameters(model),
    recipe: readRecipe(model, path),
  };
}

/** int64, bool and string initializers hold shapes, axes, indices and masks, not learned weights. */
const NON_PARAMETER_TYPES = new Set([DataType.INT64, DataType.BOOL, DataType.STRING]);

function countParameters(model: Model): number {
  let count = 0;
  for (const graph of model.graph.allGraphs()) {
    for (const value of graph.initializers) {
      const tensor = value.initializer;
      if (tensor !== undefined && !NON_PARAMETER_TYPES.has(tensor.dtype))
        count += tensor.elementCount;
    }
  }
  return count;
}

async function describeExternalData(model: Model): Promise<ExternalDataFile[]> {
  const files = new Map<string, string>();
  for (const graph of model.graph.allGraphs()) {
    for (const value of graph.initializers) {
      const location = value.initializer?.externalLocation;
      if (location !== undefined) files.set(location.path, location.location);
    }
  }
  const described: ExternalDataFile[] = [];
  for (const [path, location] of [...files].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { size } = await stat(path).catch((error: unknown) => {
      throw new VitOptError(
        'EXTERNAL_DATA',
        `the model's external data "${location}" cannot be read`,
        {
          subject: path,
          cause: error,
        },
      );
    });
    described.push({ location, sha256: await sha256File(path), size_bytes: size });
  }
  return described;
}

function readRecipe(model: Model, path: string): ModelDescription['recipe'] {
  const text = model.metadataProps.get(RECIPE_METADATA_KEY);
  if (text === undefined) return null;
  let recipe: unknown;
  try {
    recipe = JSON.parse(text);
  } catch (error) {
    throw new VitOptError('CORRUPT', `metadata "${RECIPE_METADATA_KEY}" is not valid JSON`, {
      subject: path,
      cause: error,
    });
  }
  if (recipe === null || typeof recipe !== 'object' || Array.isArray(recipe)) {
    throw new VitOptError('CORRUPT', `metadata "${RECIPE_METADATA_KEY}" is not a JSON object`, {
      subject: path,
    });
  }
  return recipe as ModelDescription['recipe'];
}
