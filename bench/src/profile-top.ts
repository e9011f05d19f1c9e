// The functions that took the most CPU in a V8 profile (`node --cpu-prof` writes one
// `.cpuprofile` per process; cross-server.js --profile writes one of its measured runs): self time per function, summed over the profile's samples, and the
// same summed per file, so a reader sees where a benchmark's time went without a browser.
//   node bench/dist/profile-top.js <file.cpuprofile> [--top 25]
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
const file = positionals[0];
if (!file) throw new Error('usage: profile-top <file.cpuprofile> [--top 25]');
const top = Math.max(1, Number(values.top) || 25);

const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
let totalUs = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  totalUs += dt;
});

const shortUrl = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/^.*\/(packages|bench)\//, '$1/');
const fnTotals = new Map<string, number>();
const fileTotals = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (!n) continue;
  const where = n.callFrame.url ? shortUrl(n.callFrame.url) : '(native)';
  const name = `${n.callFrame.functionName || '(anonymous)'}  ${where}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  fnTotals.set(name, (fnTotals.get(name) ?? 0) + us);
  fileTotals.set(where, (fileTotals.get(where) ?? 0) + us);
}

const print = (title: string, totals: Map<string, number>): void => {
  process.stdout.write(`${title}\n`);
  for (const [name, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${name}\n`);
  }
};
process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled\n`);
print('self time by function:', fnTotals);
print('self time by file:', fileTotals);
