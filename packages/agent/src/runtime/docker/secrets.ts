// An environment's passwords under the `docker` runtime: its role's (what the Odoo container gets)
// and its PostgreSQL container's superuser's (what only the agent uses), generated once and kept
// in `<env>/secrets.json` (0600, outside every container: the env root itself is never mounted).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { isMissing } from '../fs-usage.js';
import { writeAtomic } from '../layout.js';

const hex = z.string().regex(/^[0-9a-f]{32,}$/);
const secretsSchema = z.object({ password: hex, superuser_password: hex });
export type DockerSecrets = z.infer<typeof secretsSchema>;

/** The secrets of an environment, created when missing (an unreadable file is replaced). */
export async function ensureSecrets(path: string): Promise<DockerSecrets> {
  try {
    return secretsSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (e) {
    if (!isMissing(e) && !(e instanceof SyntaxError) && !(e instanceof z.ZodError)) throw e;
  }
  const secrets = { password: randomBytes(24).toString('hex'), superuser_password: randomBytes(24).toString('hex') };
  await writeAtomic(path, JSON.stringify(secrets), 0o600);
  return secrets;
}

export function readSecrets(path: string): DockerSecrets {
  return secretsSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

