import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_DEMO_ABSENT, demoHostProblem, runDemoCommand } from './load-demo.ts';

const dir = mkdtempSync(join(tmpdir(), 'podgate-load-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const lines: string[] = [];
  return { lines, out: { out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(l) } };
}
const noLogger = () => { throw new Error('not reached'); };
const options = { listen: '127.0.0.1:0', dir };

describe('podgate demo without the demo module (the image build)', () => {
  it('says in one line that the demo runs from a source checkout, and exits 2', async () => {
    const { lines, out } = capture();
    const code = await runDemoCommand(options, out, noLogger, pathToFileURL(join(dir, 'demo.ts')).href);
    expect(code).toBe(EXIT_DEMO_ABSENT);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^podgate demo runs from a source checkout: /);
  });

  it('does not hide a demo module that is present but broken (a missing import inside it)', async () => {
    const broken = join(dir, 'broken-demo.mjs');
    writeFileSync(broken, "import 'podgate-no-such-package';\nexport async function runDemo() { return 0; }\n");
    const { out } = capture();
    await expect(runDemoCommand(options, out, noLogger, pathToFileURL(broken).href)).rejects.toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  it('runs the demo module when it is there', async () => {
    const ok = join(dir, 'ok-demo.mjs');
    writeFileSync(ok, 'export async function runDemo(o) { return o.listen === "127.0.0.1:0" ? 7 : 1; }\n');
    const { out } = capture();
    expect(await runDemoCommand(options, out, noLogger, pathToFileURL(ok).href)).toBe(7);
  });
});

describe('hosts the demo cannot run on', () => {
  it('names Linux and root as what the emulator needs', () => {
    expect(demoHostProblem('darwin', 501)).toMatch(/^podgate demo runs on Linux only .* this is darwin/);
    expect(demoHostProblem('linux', 1000)).toMatch(/^podgate demo needs root: /);
    expect(demoHostProblem('linux', 0)).toBeNull();
  });
});
