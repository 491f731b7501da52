/** A Hugging Face config file's contents (preprocessor_config.json, config.json). */
export type ConfigJson = Readonly<Record<string, unknown>>;

/**
 * A preprocessor_config.json for a model resized to `size`: the image that reaches the model is
 * `size`×`size`. A `{ height, width }` size (or a bare number) and crop_size become the new size;
 * with a center crop, a `shortest_edge` resize is scaled with the crop instead, so the crop keeps
 * its share of the image (256 → 224 at 224 is 219 → 192 at 192).
 */
export function resizedPreprocessorConfig(config: ConfigJson, size: number): ConfigJson {
  const square = { height: size, width: size };
  const next: Record<string, unknown> = { ...config };
  const crops = config['do_center_crop'] !== false && config['crop_size'] !== undefined;
  const before = sideOf(crops ? config['crop_size'] : config['size']);
  if (config['crop_size'] !== undefined)
    next['crop_size'] = typeof config['crop_size'] === 'number' ? size : square;
  const resize = config['size'];
  if (typeof resize === 'number') {
    next['size'] = crops && before !== undefined ? Math.round((resize * size) / before) : size;
  } else if (isObject(resize)) {
    const edge = resize['shortest_edge'];
    next['size'] =
      typeof edge === 'number'
        ? {
            ...resize,
            shortest_edge: before === undefined ? size : Math.round((edge * size) / before),
          }
        : { ...resize, ...square };
  }
  return next;
}

/** A config.json whose image_size (Hugging Face and our torchvision exports) is the new size. */
export function resizedModelConfig(config: ConfigJson, size: number): ConfigJson {
  return 'image_size' in config ? { ...config, image_size: size } : config;
}

/** The side of a square size given as a number or { height, width }. */
function sideOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (isObject(value) && typeof value['height'] === 'number') return value['height'];
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
