import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeTensor,
  loadModel,
  summarizeModel,
  validateModel,
  type Tensor,
} from '@vit-opt/graph';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../io.js';
import { run } from '../main.js';

const fixtureDir = (name: string): string =>
  fileURLToPath(new URL(`../../../../fixtures/models/${name}/`, import.meta.url));
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-simplify-'));

async function simplifyCli(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(['simplify', ...args], io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

/** The fixture's logits for its test_data_set_0 input, computed by onnxruntime from `modelPath`. */
async function logitsOf(modelPath: string, fixture: string): Promise<Float32Array> {
  const input = decodeTensor(
    readFileSync(join(fixtureDir(fixture), 'test_data_set_0', 'input_0.pb')),
  ) as Tensor;
  const session = await InferenceSession.create(modelPath);
  const feeds = { [input.name]: new OrtTensor('float32', input.float32(), [...input.dims]) };
  const output = (await session.run(feeds))[session.outputNames[0]!]!;
  await session.release();
  return output.data as Float32Array;
}

describe.each(['vit-tiny-hf', 'vit-tiny-tv'])('vit-opt simplify %s', (fixture) => {
  const input = join(fixtureDir(fixture), 'model.onnx');

  it('writes a valid, smaller model with the same outputs and reports what changed', async () => {
    const output = join(tempDir(), 'simplified.onnx');
    const { code, stdout, stderr } = await simplifyCli(input, '-o', output);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const before = summarizeModel(loadModel(input));
    const simplified = loadModel(output);
    expect(validateModel(simplified)).toEqual([]);
    const after = summarizeModel(simplified);
    expect(after.nodeCount).toBeLessThan(before.nodeCount);
    expect(after.vit?.layerCount).toBe(4);
    expect(stdout).toContain(`simplified ${input} → ${output}`);
    const removed = before.nodeCount - after.nodeCount;
    expect(stdout).toMatch(
      new RegExp(`^ {2}nodes +${before.nodeCount} → ${after.nodeCount} \\(−${removed}\\)$`, 'm'),
    );
    expect(stdout).toMatch(
      /^ {2}round 1 {2}constants-to-initializers +turned \d+ Constant nodes into initializers$/m,
    );
    const [expected, actual] = [await logitsOf(input, fixture), await logitsOf(output, fixture)];
    expect(actual.length).toBe(expected.length);
    actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1e-5));
  });

  it('reports as JSON with --json, and skips folding with --no-fold', async () => {
    const output = join(tempDir(), 'simplified.onnx');
    const { code, stdout } = await simplifyCli(input, '-o', output, '--json', '--no-fold');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown> & {
      steps: { pass: string; notes: string[] }[];
    };
    expect(report).toMatchObject({
      input,
      output,
      constantFolding: false,
      nodesBefore: summarizeModel(loadModel(input)).nodeCount,
      nodesAfter: summarizeModel(loadModel(output)).nodeCount,
      outputSizeBytes: statSync(output).size,
    });
    expect(report.steps.find((s) => s.pass === 'fold-constants')?.notes).toEqual([
      'skipped: no evaluator',
    ]);
  });
});

describe('vit-opt simplify refusing to replace its input', () => {
  it('exits 2 unless --force is given', async () => {
    const dir = tempDir();
    const model = join(dir, 'model.onnx');
    const original = readFileSync(join(fixtureDir('vit-tiny-hf'), 'model.onnx'));
    await simplifyCli(join(fixtureDir('vit-tiny-hf'), 'model.onnx'), '-o', model, '--no-fold');
    const written = readFileSync(model);

    const refused = await simplifyCli(model, '-o', join(dir, '.', 'model.onnx'), '--no-fold');
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n')[0]).toBe(
      `error: --output ${join(dir, 'model.onnx')} is the input model; pass --force to replace it`,
    );
    expect(readFileSync(model).equals(written)).toBe(true);

    const forced = await simplifyCli(model, '-o', model, '--no-fold', '--force');
    expect(forced.code).toBe(0);
    expect(validateModel(loadModel(model))).toEqual([]);
    expect(readFileSync(model).length).toBeLessThan(original.length);
  });
});
