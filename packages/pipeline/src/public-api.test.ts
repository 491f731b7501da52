import { expect, it } from 'vitest';
import * as pipeline from './index.js';

it('exports a deliberate public API', () => {
  expect(Object.keys(pipeline).sort()).toMatchInlineSnapshot(`
    [
      "MANIFEST_FILE",
      "PipelineConfigError",
      "REPORT_FOLDER",
      "REPORT_MANIFEST",
      "VARIANTS_FOLDER",
      "VARIANT_STEPS",
      "checkPipelineConfig",
      "findStep",
      "isPipelineConfigError",
      "loadPipelineConfig",
      "parsePipelineConfig",
      "runPipeline",
    ]
  `);
});
