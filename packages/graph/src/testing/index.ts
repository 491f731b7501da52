export { HF, TINY, TORCHVISION, VitBuilder, buildVit } from './vit-builder.js';
export type { ExportStyle, VitShape } from './vit-builder.js';
export { undeclaredImports } from './source-imports.js';
export type { UndeclaredImport } from './source-imports.js';
