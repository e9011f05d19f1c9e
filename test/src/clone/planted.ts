// A customer only the source knows, planted for the copy-on-write suites: a partner with an email
// and a phone, quoted in the chatter (masked by `recommended`), and a byte scan of a directory's
// files for those values (the target's `base/`, `pg_wal/`, `global/` must hold none of them).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';

export interface PlantedCustomer {
  email: string;
  phone: string;
}

/** Values unique to one run (`tag`), written into `db`; a CHECKPOINT puts them in its files. */
export async function plantCustomer(db: pg.ClientBase, tag: string): Promise<PlantedCustomer> {
  const planted = { email: `planted.${tag}@customer-example.com`, phone: `+41 79 ${tag.slice(0, 3).replace(/\D/g, '7')}5 81 ${Date.now() % 100}`.slice(0, 20) };
  const partner = await db.query<{ id: number }>(
    `INSERT INTO res_partner (name, email, phone, active, type, create_date, write_date) VALUES ($1, $2, $3, true, 'contact', now(), now()) RETURNING id`,
    [`Planted ${tag}`, planted.email, planted.phone],
  );
  await db.query(
    `INSERT INTO mail_message (message_type, model, res_id, body, date, create_date, write_date) VALUES ('comment', 'res.partner', $1, $2, now(), now(), now())`,
    [partner.rows[0]?.id, `<p>Write to ${planted.email} or call ${planted.phone}</p>`],
  );
  return planted;
}

/** Every file under `dir` (recursively) whose bytes contain one of `needles`: the file and the needle. */
export async function filesHolding(dir: string, needles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) {
        const bytes = await readFile(path);
        for (const n of needles) if (bytes.includes(n)) found.push(`${path}: ${n}`);
      }
    }
  };
  await walk(dir);
  return found;
}
