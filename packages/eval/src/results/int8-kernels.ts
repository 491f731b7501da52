import { basename } from 'node:path';
import type { CpuInt8Capabilities } from '@vit-opt/graph';
import type { ModelDescription } from './results-document.js';

/**
 * One line when this CPU computes a model's int8 products differently from the CPUs it was made
 * for: a model with full-range s8 weights and u8 activations (every target but avx2, avx512 and
 * portable) loses accuracy where VPMADDUBSW clips pairs of products to int16. Figures measured
 * here then describe this CPU, not the target; the line says so, and what to do.
 */
export function int8KernelWarning(model: ModelDescription, cpu: CpuInt8Capabilities): string | undefined {
  if (!cpu.u8s8PairsSaturate) return undefined;
  const recipe = model.recipe;
  if (recipe === null || (recipe.mode !== 'dynamic' && recipe.mode !== 'static')) return undefined;
  const options = (recipe.options ?? {}) as Record<string, unknown>;
  // Dynamic activations are always uint8; recipes written before weightType was an option had int8.
  const activationType = recipe.mode === 'dynamic' ? 'uint8' : (options.activationType ?? 'uint8');
  const weightType = options.weightType ?? 'int8';
  if (activationType !== 'uint8' || weightType !== 'int8' || options.reduceRange === true) return undefined;
  const target = typeof options.target === 'string' ? `target '${options.target}'` : 'a CPU with VNNI';
  return (
    `${basename(model.path)}: this CPU (${cpu.isa}, no VNNI) clips pairs of u8×s8 products to int16, ` +
    `and the model was quantized with full-range int8 weights for ${target}: its accuracy here is lower ` +
    `than on that CPU; quantize with --target ${cpu.isa === 'x86' ? 'portable' : cpu.isa} to measure this one`
  );
}
