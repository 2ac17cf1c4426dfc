/**
 * Defaults read from the schema (its `default`s are the one place each knob is declared), for
 * code that runs without a loaded config: unit tests, the local SFTP test server, benchmarks.
 */
import { configSchema } from './schema.ts';
import type { LimitsConfig } from './types.ts';

export const LIMIT_DEFAULTS: LimitsConfig = Object.fromEntries(
  Object.entries(configSchema.properties.limits.properties).map(([k, v]) => [k, v.default]),
) as unknown as LimitsConfig;
