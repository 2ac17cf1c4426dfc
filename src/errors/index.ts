export type { ErrorCode } from './codes.ts';
export { PodgateError, toPodgateError } from './podgate-error.ts';
