export { ERROR_CODES, type ErrorCode, type ErrorSpec } from './codes.ts';
export { PodgateError, toPodgateError } from './podgate-error.ts';
