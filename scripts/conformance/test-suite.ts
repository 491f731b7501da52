import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One test_data_set_N folder: the serialized inputs and expected outputs, in index order. */
export interface DataSet {
  readonly name: string;
  readonly inputPaths: readonly string[];
  readonly outputPaths: readonly string[];
}

/** One model of ONNX's backend test suite (`<group>/<test>/model.onnx` and its data sets). */
export interface TestCase {
  /** `<group>/<test>`, e.g. `node/test_abs`. */
  readonly id: string;
  readonly group: string;
  readonly modelPath: string;
  readonly dataSets: readonly DataSet[];
}

export interface TestSuite {
  readonly cases: readonly TestCase[];
  /** Test folders that hold no model.onnx (the "real" group only lists download URLs). */
  readonly withoutModel: readonly string[];
}

/** The test cases under `dataDir` whose id matches `filter`, sorted by id. */
export function findTestCases(dataDir: string, filter?: RegExp): TestSuite {
  const cases: TestCase[] = [];
  const withoutModel: string[] = [];
  for (const group of sortedDirectories(dataDir)) {
    for (const test of sortedDirectories(join(dataDir, group))) {
      const id = `${group}/${test}`;
      if (filter !== undefined && !filter.test(id)) continue;
      const folder = join(dataDir, group, test);
      const modelPath = join(folder, 'model.onnx');
      if (!existsSync(modelPath)) {
        withoutModel.push(id);
        continue;
      }
      const dataSets = sortedDirectories(folder)
        .filter((name) => /^test_data_set_\d+$/.test(name))
        .map((name) => readDataSet(join(folder, name), name));
      cases.push({ id, group, modelPath, dataSets });
    }
  }
  return { cases, withoutModel };
}

function readDataSet(folder: string, name: string): DataSet {
  const files = readdirSync(folder);
  const indexed = (prefix: 'input' | 'output'): string[] => {
    const pattern = new RegExp(`^${prefix}_(\\d+)\\.pb$`);
    return files
      .map((file) => pattern.exec(file))
      .filter((match): match is RegExpExecArray => match !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((match) => join(folder, match[0]));
  };
  return { name, inputPaths: indexed('input'), outputPaths: indexed('output') };
}

/** Subfolder names, sorted so that runs and reports list models in the same order. */
function sortedDirectories(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
