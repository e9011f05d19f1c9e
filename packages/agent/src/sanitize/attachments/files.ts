// The placeholder files in the target's filestore, and the removal of the files only sensitive
// attachments referenced. Only ever under the filestore the sanitizer was given (the clone's own,
// whose files are hard links or copies: unlinking one never touches the source's file). Names come
// from the database, so each is checked against Odoo's content-addressed form before use.
import { createHash } from 'node:crypto';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STORE_FNAME_RE, type Placeholder } from './placeholders.js';

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && 'code' in e && e.code === code;
}

/** Write the placeholder's file unless it is there (content-addressed: same name, same bytes). */
export async function writePlaceholder(root: string, p: Placeholder): Promise<void> {
  await mkdir(join(root, p.storeFname.slice(0, 2)), { recursive: true });
  try {
    // read-only like the linked files: Odoo never rewrites a stored file
    await writeFile(join(root, p.storeFname), p.bytes, { flag: 'wx', mode: 0o444 });
  } catch (e) {
    if (!isErrno(e, 'EEXIST')) throw e;
  }
}

/** Whether the placeholder's file is under `root` with the right content. */
export async function placeholderPresent(root: string, p: Placeholder): Promise<boolean> {
  try {
    const bytes = await readFile(join(root, p.storeFname));
    return createHash('sha1').update(bytes).digest('hex') === p.checksum;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}

/** Unlink these files under `root` (names not in Odoo's form are left alone); returns how many went. */
export async function removeFiles(root: string, storeFnames: readonly string[]): Promise<number> {
  let removed = 0;
  for (const f of storeFnames) {
    if (!STORE_FNAME_RE.test(f)) continue;
    try {
      await unlink(join(root, f));
      removed++;
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
  }
  return removed;
}
