import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkFilestore, listFilestore, missingFiles } from './filestore.js';

async function put(root: string, content: string): Promise<string> {
  const sha = createHash('sha1').update(content).digest('hex');
  await mkdir(join(root, sha.slice(0, 2)), { recursive: true });
  await writeFile(join(root, sha.slice(0, 2), sha), content);
  return `${sha.slice(0, 2)}/${sha}`;
}

describe('filestore linking', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oec-filestore-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('links every content file, skips the GC checklist, and shares inodes with the source', async () => {
    const src = join(dir, 'src');
    const rels = await Promise.all(['a', 'bb', 'ccc', 'dddd'].map((c) => put(src, c)));
    await mkdir(join(src, 'checklist', 'ab'), { recursive: true });
    await writeFile(join(src, 'checklist', 'ab', 'abcdef'), '');
    const listing = await listFilestore(src);
    expect(listing.entries.map((e) => e.rel).sort()).toEqual([...rels].sort());
    expect(listing.bytes).toBe(1 + 2 + 3 + 4);

    const dst = join(dir, 'dst');
    const progress: number[] = [];
    const res = await linkFilestore(src, dst, listing, { onProgress: (p) => progress.push(p.filesDone) });
    expect(res.linked).toBe(4);
    expect(res.filesDone).toBe(4);
    expect(progress.at(-1)).toBe(4);
    for (const rel of rels) {
      const [a, b] = await Promise.all([stat(join(src, rel)), stat(join(dst, rel))]);
      expect(b.ino).toBe(a.ino);
      expect(b.mode & 0o222).toBe(0);
      expect(await readFile(join(dst, rel), 'utf8')).toBe(await readFile(join(src, rel), 'utf8'));
    }
    expect(await missingFiles(dst, rels)).toEqual([]);
    expect(await missingFiles(dst, ['zz/zzzz', '../etc/passwd'])).toEqual(['zz/zzzz', '../etc/passwd']);
  });

  it('finds the missing files by listing each directory: in the order asked, links followed, names under a file missing', async () => {
    const root = join(dir, 'fs');
    const one = await put(root, 'one');
    const two = await put(root, 'two');
    const absentInDir = `${one.slice(0, 2)}/${'0'.repeat(40)}`;
    await symlink(join(root, one), join(root, one.slice(0, 2), 'good-link'));
    await symlink(join(root, 'nowhere'), join(root, one.slice(0, 2), 'dangling-link'));
    await writeFile(join(root, 'plain'), 'x');
    const asked = ['ff/nothere', two, absentInDir, `${one.slice(0, 2)}/good-link`, `${one.slice(0, 2)}/dangling-link`, 'plain', 'plain/child', one, '/etc/passwd', 'ff/nothere'];
    expect(await missingFiles(root, asked)).toEqual(['ff/nothere', absentInDir, `${one.slice(0, 2)}/dangling-link`, 'plain/child', '/etc/passwd', 'ff/nothere']);
    // names known to be there are not looked for
    expect(await missingFiles(root, ['ff/nothere', absentInDir], new Set(['ff/nothere']))).toEqual([absentInDir]);
  });

  it('resumes: files already present are kept, a missing source root is an empty listing', async () => {
    const src = join(dir, 'src');
    await put(src, 'one');
    await put(src, 'two');
    const dst = join(dir, 'dst');
    const listing = await listFilestore(src);
    await linkFilestore(src, dst, listing);
    const again = await linkFilestore(src, dst, listing);
    expect(again.alreadyPresent).toBe(2);
    expect(again.linked).toBe(0);
    expect((await listFilestore(join(dir, 'absent'))).entries).toEqual([]);
  });

  it('stops when aborted', async () => {
    const src = join(dir, 'src');
    await put(src, 'x');
    const ac = new AbortController();
    ac.abort();
    await expect(linkFilestore(src, join(dir, 'dst'), await listFilestore(src), { signal: ac.signal })).rejects.toThrow();
  });
});
