export { evaluate } from './evaluate.js';
export type { EvaluateOptions, EvaluateProgress } from './evaluate.js';
export { ClassifierSession } from './classifier-session.js';
export type { SessionSettings } from './classifier-session.js';
export { findModelConfig, readId2Label } from './model-config.js';
