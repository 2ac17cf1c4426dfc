/**
 * Property tests for console command parsing: any command line splits into words or fails
 * with "unterminated quote"; `logs` arguments either parse to safe integers Kubernetes accepts
 * or fail with a PodgateError. FUZZ_SEED / FUZZ_RUNS replay or lengthen a run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../test/helpers/fuzz-params.ts';
import { PodgateError } from '../errors/index.ts';
import { splitWords } from './command-line.ts';
import { parseDurationSeconds } from './duration.ts';
import { parseLogsArgs } from './logs-args.ts';

const word = fc.oneof(
  fc.constantFrom('logs', '-f', '--follow', '-p', '--previous', '--timestamps', '--tail', '--since', '-c', '--container', '--tail=', '--since=', 'web.prod', 'web-7d9f'),
  fc.constantFrom('5', '0', '-1', '1.5', '9'.repeat(30), '1e9', '0x10', '30s', '1h30m', '1.5h', '500ms', '9'.repeat(400) + 'h', '0s', 'h', ''),
  fc.string({ maxLength: 12 }),
);

describe('console arguments (property)', () => {
  it('splitWords never throws anything but an unterminated quote', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (line) => {
      try {
        for (const w of splitWords(line)) expect(typeof w).toBe('string');
      } catch (err) {
        expect((err as Error).message).toBe('unterminated quote');
      }
    }), fuzzParams('console: splitWords', 1000));
  });

  it('logs arguments parse to safe integers or fail with a PodgateError', () => {
    const flag = fc.constantFrom('--tail', '--since', '-c', '--container', '-f', '--previous', '--timestamps', '--bogus');
    const option = fc.tuple(flag, word, fc.boolean()).map(([f, v, glue]) => (glue ? [`${f}=${v}`] : [f, v]));
    const argv = fc.tuple(fc.option(word, { nil: undefined }), fc.array(option, { maxLength: 4 }), fc.array(word, { maxLength: 2 }))
      .map(([target, opts, rest]) => [...(target === undefined ? [] : [target]), ...opts.flat(), ...rest]);
    fc.assert(fc.property(argv, (args) => {
      try {
        const a = parseLogsArgs(args);
        if (a.tailLines !== undefined) expect(Number.isSafeInteger(a.tailLines) && a.tailLines >= 0).toBe(true);
        if (a.sinceSeconds !== undefined) expect(Number.isSafeInteger(a.sinceSeconds) && a.sinceSeconds >= 1).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(PodgateError);
      }
    }), fuzzParams('console: logs arguments', 1000));
  });

  it('absurd --tail and --since values are refused, not sent on as 1e+30 or Infinity', () => {
    expect(() => parseLogsArgs(['web', '--tail', '9'.repeat(30)])).toThrow(PodgateError);
    expect(() => parseLogsArgs(['web', '--since', `${'9'.repeat(400)}h`])).toThrow(PodgateError);
    expect(parseLogsArgs(['web', '--tail', '0', '--since', '1.5h'])).toMatchObject({ tailLines: 0, sinceSeconds: 5400 });
  });

  it('durations are whole seconds that Kubernetes can take, or null', () => {
    expect(parseDurationSeconds(`${'9'.repeat(40)}s`)).toBeNull();
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 20 }), fc.tuple(fc.stringMatching(/^\d{1,40}(\.\d{1,5})?$/), fc.constantFrom('ms', 's', 'm', 'h')).map(([n, u]) => n + u)), (text) => {
      const s = parseDurationSeconds(text);
      if (s !== null) expect(Number.isSafeInteger(s) && s >= 1).toBe(true);
    }), fuzzParams('console: durations', 1000));
  });
});
