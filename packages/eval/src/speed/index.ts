// Speed of @vit-opt/eval: the library behind `vit-opt bench`.
export type { BenchmarkOptions, BenchProgress } from './run-benchmark.js';
export { runBenchmark } from './run-benchmark.js';
export type { BenchStop } from './measure-latency.js';
export { defaultThreadSweep } from './thread-sweep.js';
