// The agent's peak RSS during one same-server clone (issue 15, "Bounded resources"; decision 0019):
// the product as all.ts runs it (controller and agent processes, the cached or generated dataset,
// a clone over REST with `recommended`), one clone, VmHWM of the agent reset before it. Shorter
// than all.ts when only this figure is wanted.
//
//   node bench/dist/agent-rss.js --size small [--preset recommended|none]
import { parseArgs } from 'node:util';
import { parseSize } from './bench-env.js';
import { productClone, startProduct } from './product.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string' }, preset: { type: 'string', default: 'recommended' } } });
  const size = parseSize(values.size);
  const preset = values.preset === 'none' ? 'none' : 'recommended';
  const p = await startProduct(size, (line) => process.stdout.write(`${line}\n`));
  try {
    const c = await productClone(p, 'rss', undefined, preset);
    const mb = c.agent_peak_rss_bytes === null ? null : Math.round((c.agent_peak_rss_bytes / 1024 / 1024) * 10) / 10;
    process.stdout.write(`${JSON.stringify({ size, preset, clone_seconds: c.seconds, agent_peak_rss_mb: mb, steps: c.steps }, null, 2)}\n`);
  } finally {
    await p.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
