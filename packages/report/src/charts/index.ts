import type { ReportData } from '../data/report-data.js';
import { accuracyChart } from './accuracy-chart.js';
import { accuracyLatencyChart } from './accuracy-latency-chart.js';
import type { ChartSpec } from './chart-spec.js';
import { confusionCharts } from './confusion-chart.js';
import { latencyChart } from './latency-chart.js';
import { perClassChangeChart } from './per-class-change-chart.js';
import { sizeChart } from './size-chart.js';
import { threadSweepChart } from './thread-sweep-chart.js';
import { top1ChangeChart } from './top1-change-chart.js';

/** Every chart the data supports, in the order the report shows them. */
export function reportCharts(data: ReportData): ChartSpec[] {
  return [
    sizeChart(data),
    latencyChart(data),
    accuracyChart(data),
    top1ChangeChart(data),
    accuracyLatencyChart(data),
    perClassChangeChart(data),
    threadSweepChart(data),
    ...confusionCharts(data),
  ].filter((chart): chart is ChartSpec => chart !== null);
}
