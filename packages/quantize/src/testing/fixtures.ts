/** Test support: the tiny ViT fixtures and their Fashion-MNIST validation images. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTensorProbe } from '@vit-opt/eval';
import { decodeTensor, loadModel, type Model, type TensorProbe } from '@vit-opt/graph';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The two export styles: Hugging Face (separate q/k/v, opset 14) and torchvision (fused in-projection, opset 17). */
export const FIXTURE_NAMES = ['vit-tiny-hf', 'vit-tiny-tv'] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

export function fixtureDir(name: FixtureName): string {
  return join(REPO_ROOT, 'fixtures', 'models', name);
}

export function loadFixture(name: FixtureName): Model {
  return loadModel(join(fixtureDir(name), 'model.onnx'));
}

/** test_data_set_0: four images and the logits PyTorch computed for them. */
export function fixtureTestData(name: FixtureName): {
  pixels: Float32Array;
  dims: readonly number[];
  logits: Float32Array;
} {
  const dir = join(fixtureDir(name), 'test_data_set_0');
  const input = decodeTensor(readFileSync(join(dir, 'input_0.pb')));
  const output = decodeTensor(readFileSync(join(dir, 'output_0.pb')));
  return { pixels: input.float32(), dims: input.dims, logits: output.float32() };
}

/** What runs models in tests: @vit-opt/eval's onnxruntime probe (the library takes one as an argument). */
export const probe: TensorProbe = createTensorProbe();
