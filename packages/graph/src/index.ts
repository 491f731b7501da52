export { VitOptError, isVitOptError } from './errors.js';
export type { VitOptErrorCode, VitOptErrorOptions } from './errors.js';
export { writeFileAtomic, temporaryPathFor, describeFsError } from './io/atomic-write.js';
