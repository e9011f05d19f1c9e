// Filestores as btrfs subvolumes (decision 0022), on a loop-mounted btrfs: an environment's
// filestore is made a subvolume, a copy-on-write clone snapshots it whole and trims the snapshot
// to what the per-file copy takes (Odoo's hashed directories, regular files, none of the files the
// plan leaves out), the copy's files are its own, and where the source is a plain directory or the
// target on another filesystem the clone falls back to the per-file path; a plain filestore is made
// a subvolume (before its app starts), a conversion cut anywhere finished or undone. Needs root, losetup and
// btrfs-progs; skips with the reason otherwise.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSnapshotFilestore, convertFilestore, isSubvolume, makeFilestoreDir, snapshotFilestore } from '@oec/agent';
import { loopBtrfsUnavailable, mountLoopBtrfs, type LoopXfs } from '../harness/xfs.js';

const unavailable = loopBtrfsUnavailable();
if (unavailable) console.warn(`btrfs filestore suite skipped: ${unavailable}`);

const sha = (s: string) => createHash('sha1').update(s).digest('hex');

/** Odoo's layout: `<sha[:2]>/<sha>` for each content; returns the relative names. */
async function writeFilestore(root: string, contents: string[]): Promise<string[]> {
  const rels: string[] = [];
  for (const c of contents) {
    const h = sha(c);
    await mkdir(join(root, h.slice(0, 2)), { recursive: true });
    await writeFile(join(root, h.slice(0, 2), h), c);
    rels.push(`${h.slice(0, 2)}/${h}`);
  }
  return rels;
}

async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    out.push(join(e.parentPath, e.name).slice(root.length + 1));
  }
  return out.sort();
}

describe.skipIf(unavailable !== null)(`filestores as btrfs subvolumes${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let base: string;
  let fs: LoopXfs;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'oec-btrfs-'));
    fs = await mountLoopBtrfs(base, 512);
  });

  afterAll(async () => {
    await fs?.close();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('makes a filestore a subvolume on btrfs, a plain directory elsewhere, and leaves an existing one', async () => {
    const onBtrfs = join(fs.dir, 'envs', 'a', 'filestore', 'db_a');
    expect(await makeFilestoreDir(onBtrfs)).toBe('subvolume');
    expect(await isSubvolume(onBtrfs)).toBe(true);
    expect(await makeFilestoreDir(onBtrfs)).toBe('existing');
    const elsewhere = join(base, 'plain', 'filestore', 'db_b');
    expect(await makeFilestoreDir(elsewhere)).toBe('directory');
    expect(await isSubvolume(elsewhere)).toBe(false);
    // a plain directory on btrfs is no subvolume either
    await mkdir(join(fs.dir, 'plain-dir'));
    expect(await isSubvolume(join(fs.dir, 'plain-dir'))).toBe(false);
  });

  it('snapshots the whole filestore and keeps only what a copy takes; the copy is its own', async () => {
    const src = join(fs.dir, 'envs', 'src', 'filestore', 'prod');
    await makeFilestoreDir(src);
    const rels = await writeFilestore(
      src,
      Array.from({ length: 300 }, (_, i) => `attachment ${i}`),
    );
    const [sensitive, kept] = [rels[0]!, rels[1]!];
    // what the per-file copy never takes: Odoo's GC checklist, a stray file, a link and a dir inside a hashed dir
    await mkdir(join(src, 'checklist', 'ab'), { recursive: true });
    await writeFile(join(src, 'checklist', 'ab', 'x'), '');
    await writeFile(join(src, 'notes.txt'), 'stray');
    await symlink('/etc/passwd', join(src, kept.slice(0, 2), 'link'));
    await mkdir(join(src, kept.slice(0, 2), 'subdir'));

    const dst = join(fs.dir, 'envs', 'dst', 'filestore', 'staging');
    await makeFilestoreDir(dst); // the target's empty filestore, as clone.prepare leaves it
    expect(await canSnapshotFilestore(src, dst)).toBe(true);
    const before = await tree(src);
    const snap = await snapshotFilestore(src, dst, new Set([sensitive]));

    expect(snap.names.size).toBe(rels.length - 1);
    expect(snap.leftOut).toBe(1);
    expect(snap.removed).toBe(4); // checklist/, notes.txt, the link, the subdir
    expect(await isSubvolume(dst)).toBe(true);
    const copied = await tree(dst);
    const files = copied.filter((p) => p.includes('/'));
    expect(files.sort()).toEqual(rels.filter((r) => r !== sensitive).sort());
    expect(existsSync(join(dst, 'checklist'))).toBe(false);
    expect(existsSync(join(dst, sensitive))).toBe(false);
    expect(await readFile(join(dst, kept), 'utf8')).toBe('attachment 1');
    // the source is untouched, and writing the copy's file does not reach it
    expect(await tree(src)).toEqual(before);
    await appendFile(join(dst, kept), ' changed in staging');
    expect(await readFile(join(src, kept), 'utf8')).toBe('attachment 1');

    // an interrupted run's snapshot is replaced, not merged into
    await writeFile(join(dst, 'leftover'), 'from an earlier attempt');
    const again = await snapshotFilestore(src, dst, new Set());
    expect(again.names.size).toBe(rels.length);
    expect(existsSync(join(dst, 'leftover'))).toBe(false);

    // removing the copy (what cleanup and destroy do) removes the subvolume
    await rm(dst, { recursive: true, force: true });
    expect(existsSync(dst)).toBe(false);
    expect(await tree(src)).toEqual(before);
  });

  it('falls back to the per-file path for a plain source directory or a target on another filesystem', async () => {
    const plain = join(fs.dir, 'envs', 'old', 'filestore', 'prod');
    await mkdir(plain, { recursive: true });
    await writeFilestore(plain, ['one']);
    expect(await canSnapshotFilestore(plain, join(fs.dir, 'envs', 'new', 'filestore', 'x'))).toBe(false);
    const src = join(fs.dir, 'envs', 'sub', 'filestore', 'prod');
    await makeFilestoreDir(src);
    expect(await canSnapshotFilestore(src, join(base, 'elsewhere', 'filestore', 'x'))).toBe(false);
  });

  it('makes a plain filestore a subvolume with its files, and leaves it plain off btrfs', async () => {
    const plain = join(fs.dir, 'envs', 'conv', 'filestore', 'prod');
    await mkdir(plain, { recursive: true });
    await writeFilestore(plain, ['one', 'two', 'three']);
    const before = await tree(plain);
    const contents = await Promise.all(before.filter((r) => r.includes('/')).map((r) => readFile(join(plain, r), 'utf8')));
    expect(await convertFilestore(plain)).toBe('converted');
    expect(await isSubvolume(plain)).toBe(true);
    expect(await tree(plain)).toEqual(before);
    expect(await Promise.all(before.filter((r) => r.includes('/')).map((r) => readFile(join(plain, r), 'utf8')))).toEqual(contents);
    expect((await readdir(join(fs.dir, 'envs', 'conv', 'filestore'))).sort()).toEqual(['prod']);
    expect(await convertFilestore(plain)).toBe('subvolume');
    // and then a copy-on-write clone can snapshot it
    expect(await canSnapshotFilestore(plain, join(fs.dir, 'envs', 'next', 'filestore', 'x'))).toBe(true);
    const elsewhere = join(base, 'plain-conv', 'filestore', 'prod');
    await mkdir(elsewhere, { recursive: true });
    expect(await convertFilestore(elsewhere)).toBe('plain');
    expect(await convertFilestore(join(fs.dir, 'envs', 'none', 'filestore', 'prod'))).toBe('missing');
  });

  it('finishes or undoes a conversion cut anywhere, never losing the filestore', async () => {
    const root = join(fs.dir, 'envs', 'cut', 'filestore');
    const path = join(root, 'prod');
    /** A directory with two files: a subvolume where the conversion made one. */
    const fill = async (dir: string, subvolume = false) => {
      if (subvolume) await makeFilestoreDir(dir);
      else await mkdir(dir, { recursive: true });
      return writeFilestore(dir, ['alpha', 'beta']);
    };
    const expectConverted = async (rels: string[]) => {
      expect(await isSubvolume(path)).toBe(true);
      expect((await tree(path)).filter((r) => r.includes('/'))).toEqual(rels.sort());
      expect((await readdir(root)).sort()).toEqual(['prod']);
    };
    // cut during the copy: a partial new subvolume beside the untouched directory
    let rels = await fill(path);
    await makeFilestoreDir(`${path}.subvolume`);
    await writeFile(join(`${path}.subvolume`, 'partial'), '');
    expect(await convertFilestore(path)).toBe('converted');
    await expectConverted(rels);
    await rm(path, { recursive: true });
    // cut after the old directory moved aside: the complete new one takes its place
    rels = await fill(`${path}.subvolume`, true);
    await fill(`${path}.plain`);
    expect(await convertFilestore(path)).toBe('subvolume');
    await expectConverted(rels);
    await rm(path, { recursive: true });
    // cut after the new one took its place: the old one goes
    rels = await fill(`${path}.plain`);
    await fill(path, true);
    expect(await convertFilestore(path)).toBe('subvolume');
    await expectConverted(rels);
    await rm(path, { recursive: true });
    // the old directory aside and no new one (a hand-made state): it is put back, then converted
    rels = await fill(`${path}.plain`);
    expect(await convertFilestore(path)).toBe('converted');
    await expectConverted(rels);
  });
});
