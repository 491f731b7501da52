/**
 * Conformance on ONNX's own backend test suite (Debian's libonnx-testdata): every model must
 * survive load → save → load unchanged, run on onnxruntime with the suite's expected outputs once
 * saved, and still do so once simplified. `npm run test:conformance -- --help` lists the options.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { createOnnxRuntimeEvaluator } from '../packages/eval/src/runtime/constant-evaluator.js';
import { checkModel, type ModelResult } from './conformance/check-model.js';
import { formatSummary } from './conformance/format-summary.js';
import { summarize } from './conformance/summary.js';
import { findTestCases } from './conformance/test-suite.js';

const DEFAULT_DATA_DIR = '/usr/share/libonnx-testdata/data';
/** The share of the suite's models that must pass (issue 2: "≥ 99% … the rest listed"). */
const REQUIRED_PASS_RATE = 0.99;

interface Options {
  filter?: RegExp;
  report?: string;
  listNotChecked?: boolean;
}

const program = new Command()
  .name('conformance')
  .description("Round trip, run and simplify every model of ONNX's backend test suite.")
  .argument(
    '[data-dir]',
    "the suite's data folder (holding node/, pytorch-converted/, …); or set ONNX_TESTDATA_DIR",
    process.env.ONNX_TESTDATA_DIR ?? DEFAULT_DATA_DIR,
  )
  .option('--filter <regex>', 'only the models whose "<group>/<test>" id matches', parseRegex)
  .option('--report <file>', 'also write the results as JSON to this file')
  .option('--list-not-checked', 'list each model whose outputs could not be checked, with why')
  .action(run);

function parseRegex(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

async function run(dataDir: string, options: Options): Promise<void> {
  if (!existsSync(dataDir)) {
    console.error(
      `${dataDir}: no ONNX backend test data here; install it with \`apt-get install libonnx-testdata\``,
    );
    process.exitCode = 2;
    return;
  }
  const suite = findTestCases(dataDir, options.filter);
  const scratchDir = mkdtempSync(join(tmpdir(), 'vit-opt-conformance-'));
  const evaluator = createOnnxRuntimeEvaluator();
  const started = performance.now();
  const results: ModelResult[] = [];
  try {
    for (const testCase of suite.cases) {
      results.push(await checkModel(testCase, scratchDir, evaluator));
      if (process.stderr.isTTY) {
        process.stderr.write(`\r${results.length}/${suite.cases.length} ${testCase.id}\x1b[K`);
      }
    }
  } finally {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    rmSync(scratchDir, { recursive: true, force: true });
  }
  const wallTimeSeconds = (performance.now() - started) / 1000;
  const summary = summarize(results);
  console.log(
    formatSummary(summary, results, {
      wallTimeSeconds,
      requiredPassRate: REQUIRED_PASS_RATE,
      listNotChecked: options.listNotChecked ?? false,
      withoutModel: suite.withoutModel,
    }),
  );
  if (options.report !== undefined) {
    const report = {
      dataDir,
      filter: options.filter?.source ?? null,
      wallTimeSeconds,
      requiredPassRate: REQUIRED_PASS_RATE,
      passRate: summary.passRate,
      total: summary.total,
      groups: Object.fromEntries(summary.groups),
      notCheckedByCategory: Object.fromEntries(summary.notCheckedByCategory),
      withoutModel: suite.withoutModel,
      models: results,
    };
    writeFileSync(options.report, `${JSON.stringify(report, null, 2)}\n`);
  }
  process.exitCode = summary.passRate >= REQUIRED_PASS_RATE ? 0 : 1;
}

await program.parseAsync();
