// The worker entry used when this package runs from its TypeScript source (vitest, or
// `node --import tsx`): a worker thread starts without its parent's loaders, so register tsx
// here, then load the worker itself. Built packages start dist/.../preprocess-worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./preprocess-worker.ts');
