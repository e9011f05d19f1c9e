// Fill an environment created through the API with Odoo-shaped data, as its own role would
// (tables owned by the environment's role, files in its filestore), on the agent's cluster.
import pg from 'pg';
import type { Environment } from '@oec/shared';
import { generateOdooDatabase, type GeneratedSummary, type OdooSize } from '../odoo/index.js';

export interface SeedOptions {
  size?: OdooSize;
  seed?: number | string;
  omit?: readonly string[];
}

export async function seedEnvironment(env: Environment, opts: SeedOptions = {}): Promise<GeneratedSummary> {
  const conn = env.connection;
  if (!conn || !env.filestore_path) throw new Error(`environment ${env.id} has no connection details or filestore`);
  const client = new pg.Client({ host: conn.host, port: conn.port, user: 'postgres', database: conn.database });
  await client.connect();
  try {
    await client.query(`SET ROLE ${pg.escapeIdentifier(conn.user)}`);
    return await generateOdooDatabase(client, {
      size: opts.size ?? 'tiny',
      seed: opts.seed ?? 42,
      filestoreDir: env.filestore_path,
      modules: { omit: opts.omit ?? [] },
    });
  } finally {
    await client.end();
  }
}
