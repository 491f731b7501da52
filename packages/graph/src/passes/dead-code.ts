import type { Model } from '../ir/model.js';
import { cleanup } from './cleanup.js';
import { definePass, type PassResult } from './pass.js';

/** cleanup() of the whole model as a pass; its notes say how much went. */
export const eliminateDeadCode = definePass('eliminate-dead-code', (model: Model): PassResult => {
  const removed = cleanup(model.graph);
  const notes: string[] = [];
  if (removed.nodes > 0) notes.push(`removed ${removed.nodes} dead nodes`);
  if (removed.constants > 0) notes.push(`removed ${removed.constants} unused Constant nodes`);
  if (removed.initializers > 0) notes.push(`removed ${removed.initializers} unused initializers`);
  return { modified: notes.length > 0, notes };
});
