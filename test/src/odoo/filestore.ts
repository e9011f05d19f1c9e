// Odoo filestore helpers: content-addressed files at `<filestore>/<sha1[:2]>/<sha1>`, where
// ir_attachment.store_fname = '<sha1[:2]>/<sha1>' and checksum = the sha1 hex of the bytes.
// `filestoreDir` everywhere is one database's filestore (Odoo's `<data_dir>/filestore/<dbname>`).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoredFile {
  size: number;
  sha1: string;
}

/** sha1 hex of raw bytes (what Odoo puts in ir_attachment.checksum). */
export function sha1Hex(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

/** The store_fname Odoo uses for content with this sha1. */
export function storeFname(sha1: string): string {
  return `${sha1.slice(0, 2)}/${sha1}`;
}

/** sha1 hex and size of a file, streamed. */
export async function hashFile(path: string): Promise<StoredFile> {
  const hash = createHash('sha1');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    if (!Buffer.isBuffer(chunk)) throw new Error(`unexpected chunk type reading ${path}`);
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha1: hash.digest('hex') };
}

/**
 * Every stored file of a filestore as store_fname → {size, sha1}, sorted by store_fname.
 * Looks at `<xx>/<name>` files only; Odoo's `checklist/` (GC marks) is skipped.
 */
export async function listFilestore(dir: string): Promise<Map<string, StoredFile>> {
  const out = new Map<string, StoredFile>();
  if (!existsSync(dir)) return out;
  const buckets = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && d.name !== 'checklist')
    .map((d) => d.name)
    .sort();
  for (const bucket of buckets) {
    const files = (await readdir(join(dir, bucket), { withFileTypes: true }))
      .filter((f) => f.isFile())
      .map((f) => f.name)
      .sort();
    await mapLimit(files, 8, async (name) => {
      out.set(`${bucket}/${name}`, await hashFile(join(dir, bucket, name)));
    });
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Total bytes of a filestore listing. */
export function filestoreBytes(listing: ReadonlyMap<string, StoredFile>): number {
  let total = 0;
  for (const f of listing.values()) total += f.size;
  return total;
}

/**
 * Write content into the filestore as Odoo does; skip it when the path already exists (same sha1
 * means same content). Returns the attachment fields and whether a new file was written.
 */
export async function writeStoreFile(
  dir: string,
  content: Buffer,
): Promise<{ storeFname: string; checksum: string; size: number; written: boolean }> {
  const checksum = sha1Hex(content);
  const fname = storeFname(checksum);
  const path = join(dir, fname);
  if (existsSync(path)) return { storeFname: fname, checksum, size: content.length, written: false };
  await mkdir(join(dir, checksum.slice(0, 2)), { recursive: true });
  await writeFile(path, content);
  return { storeFname: fname, checksum, size: content.length, written: true };
}

/** Run `fn` over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
