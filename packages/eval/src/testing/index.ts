// Test helpers for what reads images: used by eval's own tests and the fuzz suite (scripts/fuzz).
export { pngClaiming } from './png-claiming.js';
