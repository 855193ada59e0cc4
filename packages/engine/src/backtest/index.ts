export type * from './types.js';
export { REPORT_SCHEMA_VERSION } from './types.js';
