/** The cubic convolution constant PyTorch's bicubic mode uses (Keys' a = −0.75, as OpenCV). */
const A = -0.75;

const f32 = Math.fround;

/** Source taps and weights of each output index along one axis. */
interface AxisTaps {
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

/**
 * Bicubic resampling of a `from`×`from` grid of vectors (row-major, `channels` numbers each) to
 * `to`×`to`, as PyTorch's `F.interpolate(mode='bicubic', align_corners=False, size=…)` computes it
 * on the CPU in float32: source coordinate scale·(i + ½) − ½ with scale = from / to (unclamped),
 * four taps per axis clamped to the edge, weights from a = −0.75, each row interpolated along
 * the width first and the four rows then along the height, every step rounded to float32.
 */
export function interpolateGridBicubic(
  grid: Float32Array,
  from: number,
  to: number,
  channels: number,
): Float32Array {
  const taps = axisTaps(from, to);
  const out = new Float32Array(to * to * channels);
  const at = (row: number, column: number, channel: number): number =>
    grid[(row * from + column) * channels + channel]!;
  for (let y = 0; y < to; y++) {
    for (let x = 0; x < to; x++) {
      for (let c = 0; c < channels; c++) {
        let value = 0;
        for (let i = 0; i < 4; i++) {
          const row = taps.index[y * 4 + i]!;
          let along = 0;
          for (let j = 0; j < 4; j++) {
            along = f32(along + f32(at(row, taps.index[x * 4 + j]!, c) * taps.weight[x * 4 + j]!));
          }
          value = f32(value + f32(along * taps.weight[y * 4 + i]!));
        }
        out[(y * to + x) * channels + c] = value;
      }
    }
  }
  return out;
}

function axisTaps(from: number, to: number): AxisTaps {
  const scale = f32(from / to);
  const index = new Int32Array(to * 4);
  const weight = new Float32Array(to * 4);
  for (let i = 0; i < to; i++) {
    const source = f32(f32(scale * f32(i + 0.5)) - 0.5);
    const floor = Math.floor(source);
    const t = f32(source - floor);
    const weights = cubicWeights(t);
    for (let k = 0; k < 4; k++) {
      index[i * 4 + k] = Math.min(Math.max(floor - 1 + k, 0), from - 1);
      weight[i * 4 + k] = weights[k]!;
    }
  }
  return { index, weight };
}

/** Weights of the taps at −1, 0, +1, +2 from the floor, for fractional offset `t`. */
function cubicWeights(t: number): [number, number, number, number] {
  const near = (x: number): number => f32(f32(f32(f32(f32((A + 2) * x) - (A + 3)) * x) * x) + 1);
  const far = (x: number): number =>
    f32(f32(f32(f32(f32(f32(A * x) - 5 * A) * x) + 8 * A) * x) - 4 * A);
  const u = f32(1 - t);
  return [far(f32(t + 1)), near(t), near(u), far(f32(u + 1))];
}
