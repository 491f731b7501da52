import {
  attr,
  matchLayerNorm,
  type Graph,
  type LayerNormMatch,
  type Node,
  type Value,
} from '@vit-opt/graph';
import {
  MICROSOFT_DOMAIN,
  constantVector,
  isSelfContained,
  takeOver,
  type SkippedFusion,
} from './fusion-graph.js';

export interface SkipLayerNormFusionResult {
  /** SkipLayerNormalization nodes made, one per residual Add + LayerNorm. */
  readonly fused: string[];
  readonly skipped: SkippedFusion[];
}

/**
 * A residual Add of two activations followed by a LayerNorm over the last axis (fused or spelled
 * out, as opset < 17 exports do) becomes com.microsoft SkipLayerNormalization(a, b, γ, β). Its
 * fourth output is the sum itself, which takes over the Add's other readers: in a pre-norm ViT
 * the sum is also the next residual branch.
 */
export function fuseSkipLayerNorm(graph: Graph): SkipLayerNormFusionResult {
  const result: SkipLayerNormFusionResult = { fused: [], skipped: [] };
  for (const last of [...graph.nodes]) {
    if (last.outputs[0] === undefined || !isLayerNormTail(last)) continue;
    const norm = matchLayerNorm(last.output(0));
    if (norm === undefined || norm.nodes.at(-1) !== last) continue;
    const residual = norm.input.producer();
    if (residual?.opType !== 'Add' || residual.domain !== '') continue;
    const problem = skipLayerNormProblem(norm, residual);
    if (problem !== undefined) {
      result.skipped.push({ node: last.name, reason: problem });
      continue;
    }
    const [input, skip] = residual.inputs as [Value, Value];
    const fused = graph.addNode(
      {
        opType: 'SkipLayerNormalization',
        domain: MICROSOFT_DOMAIN,
        name: `${last.name}_SkipLayerNorm`,
        inputs: [input, skip, norm.scale, norm.bias],
        // output, mean, inverse standard deviation, input + skip (+ bias)
        outputs: [
          `${last.name}_skip_ln`,
          `${last.name}_mean`,
          `${last.name}_inv_std`,
          `${residual.name}_sum`,
        ],
        attributes: [attr.float('epsilon', norm.epsilon!)],
      },
      { before: last },
    );
    const sum = residual.output(0);
    takeOver(last.output(0), fused.output(0), norm.nodes);
    takeOver(sum, fused.output(3), [residual]);
    result.fused.push(fused.name);
  }
  return result;
}

function isLayerNormTail(node: Node): boolean {
  return node.domain === '' && (node.opType === 'LayerNormalization' || node.opType === 'Add');
}

function skipLayerNormProblem(norm: LayerNormMatch, residual: Node): string | undefined {
  const [a, b] = residual.inputs;
  if (a === undefined || b === undefined) return 'the residual Add lacks an input';
  // Both summands are activations of the same shape in a residual connection; a constant one is
  // the position embedding, broadcast over the batch, which SkipLayerNormalization may not take.
  if (constantVector(a) !== undefined || a.isConstant || b.isConstant)
    return 'one summand is a constant (the position embedding), not a residual branch';
  if (norm.axes?.length !== 1 || norm.axes[0] !== -1)
    return 'it normalizes other axes than the last';
  if (norm.epsilon === undefined) return 'its epsilon is computed';
  if (norm.scale === undefined || constantVector(norm.scale) === undefined)
    return 'its scale (gamma) is not a constant vector';
  if (norm.bias !== undefined && constantVector(norm.bias) === undefined)
    return 'its bias (beta) is not a constant vector';
  if (!isSelfContained(norm.nodes, norm.nodes.at(-1)!.output(0)))
    return 'an intermediate value of the LayerNorm is used elsewhere';
  return undefined;
}
