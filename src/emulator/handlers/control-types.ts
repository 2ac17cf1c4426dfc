import type { ProcessInfo } from '../runtime/types.ts';
export type { FaultOptions, RequestLogEntry } from '../types.ts';
export type ProcessListFn = (namespace: string, pod: string, container: string) => Promise<ProcessInfo[]>;
