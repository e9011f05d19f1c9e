// CLI: fill an empty PostgreSQL database with Odoo 17-shaped test data and print the summary.
//   node test/dist/scripts/seed.js --url postgresql://user@host:port/db --filestore DIR \
//        --size tiny|small|large --seed 42 [--omit table,table] [--recreate] [--ids]
// --recreate drops and recreates the database first; --ids prints the full id and e-mail lists
// (otherwise those longer than 20 entries are replaced by their length).
import { parseArgs } from 'node:util';
import { generateOdooDatabase, ODOO17_SCHEMA_SQL, recreateDatabase, SIZES, type OdooSize } from '../src/index.js';

function isSize(s: string): s is OdooSize {
  return (SIZES as readonly string[]).includes(s);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      filestore: { type: 'string' },
      size: { type: 'string', default: 'tiny' },
      seed: { type: 'string', default: '42' },
      omit: { type: 'string', default: '' },
      recreate: { type: 'boolean', default: false },
      ids: { type: 'boolean', default: false },
      'print-schema': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values['print-schema']) {
    process.stdout.write(ODOO17_SCHEMA_SQL);
    return;
  }
  const { url, filestore, size } = values;
  if (!url || !filestore || !isSize(size)) {
    process.stderr.write('usage: seed --url URL --filestore DIR --size tiny|small|large --seed N [--omit t1,t2] [--recreate] [--ids] | seed --print-schema\n');
    process.exit(2);
  }
  if (values.recreate) await recreateDatabase(url);
  const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
  const omit = values.omit.split(',').map((s) => s.trim()).filter(Boolean);
  const summary = await generateOdooDatabase(url, { size, seed, filestoreDir: filestore, modules: { omit } });
  const keepWhole = new Set(['tables', 'omittedTables', 'installedModules', 'knownPasswords']);
  const shorten = (key: string, v: unknown): unknown =>
    !values.ids && !keepWhole.has(key) && Array.isArray(v) && v.length > 20 ? `[${v.length} entries; --ids for all]` : v;
  process.stdout.write(`${JSON.stringify(summary, shorten, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
