export * from './data/index.js';
export * from './metrics/index.js';
export * from './results/index.js';
export * from './speed/index.js';
export * from './evaluate/index.js';
