/** The shape every scenario reports, printed as a table and written to bench/results/latest.json. */
import type { TargetName } from './targets.ts';

export interface Row {
  target: TargetName;
  /** Median of the samples (the headline figure). */
  median: number;
  p99?: number;
  samples: number;
  /** Failed attempts (non-zero exit, wrong byte count, missed echo). */
  failures: number;
  /** podgate's peak resident memory during this row's runs (KiB), podgate rows only. */
  podgateRssKiB?: number;
}

export interface ScenarioResult {
  name: string;
  title: string;
  unit: string;
  better: 'higher' | 'lower';
  rows: Row[];
  /** Scenario-specific figures (RSS per session, growth, ...). */
  extra: Record<string, number | string>;
  goal: string;
  /** Whether podgate met the goal (undefined: could not be judged). */
  goalMet?: boolean;
  notes: string[];
}

export interface BenchContext {
  quick: boolean;
  log(msg: string): void;
}
