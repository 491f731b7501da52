import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, Tensor, cleanup, saveModel, type Model } from '@vit-opt/graph';
import { calibrate } from '../calibration/calibrate.js';
import { fuseTransformer } from '../fusion/fuse-transformer.js';
import { convertFloat16 } from '../passes/convert-float16.js';
import { quantizeDynamic } from '../passes/quantize-dynamic.js';
import { quantizeWeightsInt4 } from '../passes/quantize-weights-int4.js';
import { FIXTURE_NAMES, fixtureTestData, loadFixture, probe, type FixtureName } from '../testing/fixtures.js';
import { quantizeStatic } from './quantize-static.js';

/**
 * What onnxruntime 1.30 logs, at warning level, for each initializer no node reads, every time a
 * session loads the model:
 *
 *   [W:onnxruntime:, graph.cc:5607 CleanUnusedInitializersAndNodeArgs] Removing initializer
 *   'vit.encoder.layer.0.output.dense.bias'. It is not used by any node and should be removed
 *   from the model.
 *
 * (Its optimizer's own clean-up after constant folding says "It is no longer used by any node" at
 * info level; that one is not about the model as saved.)
 */
const UNUSED_INITIALIZER_WARNING = /Removing initializer '([^']*)'\. It is not used by any node and should be removed from the model\./g;

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-static-cleanup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Initializers that no node reads and that are neither a graph input nor output, in any graph. */
function unusedInitializers(model: Model): string[] {
  const names: string[] = [];
  for (const graph of model.graph.allGraphs()) {
    for (const value of graph.initializers) {
      if (value.uses().length === 0 && !value.isGraphInput && !value.isGraphOutput) names.push(value.name);
    }
  }
  return names;
}

/**
 * Saves the model and loads it as a user would, in a fresh node process with warnings on (the
 * tests' own sessions silence them); returns the initializers onnxruntime warned about.
 */
function initializersOnnxruntimeWarnsAbout(model: Model, fileName: string): string[] {
  const path = join(scratch, fileName);
  saveModel(model, path);
  const load = `require('onnxruntime-node').InferenceSession.create(process.argv[1], { logSeverityLevel: 2 })
    .catch((error) => { console.error(String(error)); process.exit(1); })`;
  const child = spawnSync(process.execPath, ['-e', load, path], { cwd: PACKAGE_DIR, encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return [...child.stderr.matchAll(UNUSED_INITIALIZER_WARNING)].map((match) => match[1]!);
}

it('the check sees onnxruntime warn about an unused initializer', () => {
  const model = loadFixture('vit-tiny-hf');
  model.graph.addInitializer(Tensor.fromNumbers({ dtype: DataType.FLOAT, dims: [2] }, [1, 2]), 'forgotten');
  expect(unusedInitializers(model)).toEqual(['forgotten']);
  expect(initializersOnnxruntimeWarnsAbout(model, 'forgotten.onnx')).toEqual(['forgotten']);
});

describe.each(FIXTURE_NAMES)('a static int8 model of %s', (name: FixtureName) => {
  it.each(['qdq', 'qoperator'] as const)(
    'in %s format keeps no unused initializer (the float biases QGemm replaced go), so onnxruntime loads it without a warning',
    async (format) => {
      const { pixels, dims } = fixtureTestData(name);
      const model = loadFixture(name);
      const ranges = await calibrate(model, [{ pixel_values: { data: pixels, dims } }], { probe, format });
      quantizeStatic(model, ranges, { format });
      expect(unusedInitializers(model)).toEqual([]);
      expect(cleanup(model.graph)).toEqual({ nodes: 0, constants: 0, initializers: 0 });
      expect(initializersOnnxruntimeWarnsAbout(model, `${name}-static-${format}.onnx`)).toEqual([]);
    },
  );
});

describe('the other modes of vit-tiny-hf', () => {
  it.each([
    ['dynamic int8', (model: Model) => quantizeDynamic(model)],
    [
      'dynamic int8 after transformer fusion (QAttention)',
      (model: Model) => {
        fuseTransformer(model);
        quantizeDynamic(model);
      },
    ],
    ['weight-only int4', (model: Model) => quantizeWeightsInt4(model)],
    ['float16', (model: Model) => convertFloat16(model)],
  ])('%s keeps no unused initializer, and onnxruntime loads it without a warning', (mode, convert) => {
    const model = loadFixture('vit-tiny-hf');
    convert(model);
    expect(unusedInitializers(model)).toEqual([]);
    expect(cleanup(model.graph)).toEqual({ nodes: 0, constants: 0, initializers: 0 });
    expect(initializersOnnxruntimeWarnsAbout(model, `vit-tiny-hf-${mode.replace(/\W+/g, '-')}.onnx`)).toEqual([]);
  });
});
