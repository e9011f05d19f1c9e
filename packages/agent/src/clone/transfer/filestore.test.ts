import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode, type ClonePlan, type EnvironmentRef, type StreamStats } from '@oec/shared';
import type { PeerPair } from '../../testing/peer.js';
import { captureLogs, connectPair, newIdentity, startTestServer, tempDir } from '../../testing/peer.js';
import type { PeerServer } from '../../peer/server.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { TaskContext } from '../../tasks/types.js';
import { listFilestore } from '../filestore.js';
import { peerFailure } from './common.js';
import { createDonorIndex, receiveFilestoreShard, type DonorIndex } from './filestore-receive.js';
import { BATCH_BYTES, BATCH_FILES, sendFilestoreShard } from './filestore-send.js';
import { createPacer } from '../pace.js';

const STREAM = 'filestore-0';

function sha1(b: Buffer): string {
  return createHash('sha1').update(b).digest('hex');
}

/** Odoo's layout: the file named after the sha1 of its content, under its first two hex digits. */
function relOf(content: Buffer): string {
  const h = sha1(content);
  return `${h.slice(0, 2)}/${h}`;
}

async function put(root: string, rel: string, content: Buffer): Promise<void> {
  await mkdir(join(root, rel, '..'), { recursive: true });
  // Read-only, as every filestore file the agents place.
  await writeFile(join(root, rel), content, { mode: 0o444 });
}

/** Every file under `root`, relative, sorted. */
async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(relative(root, join(e.parentPath, e.name)));
  }
  return out.sort();
}

/** The donor lookup as the receiving task builds it, over plain directories. */
function donorsAt(roots: string[]): DonorIndex {
  const refs: EnvironmentRef[] = roots.map((_, i) => ({ environment_id: randomUUID(), db_name: `donor_${i}` }));
  const runtime: Pick<Runtime, 'locate'> = {
    locate: (ref) => ({
      db_name: ref.db_name,
      filestore_path: roots[refs.findIndex((r) => r.environment_id === ref.environment_id)] ?? '/nonexistent',
      addons_path: '/nonexistent',
      connection: { host: '127.0.0.1', port: 5432, database: ref.db_name, user: ref.db_name },
    }),
  };
  // createDonorIndex reads only ctx.runtime.locate and plan.donors.
  return createDonorIndex({ runtime } as TaskContext, { donors: refs } as ClonePlan);
}

describe('filestore shard transfer', () => {
  let dir = '';
  let server: PeerServer;
  let work = '';
  let src = '';
  let dst = '';
  const pairs: PeerPair[] = [];
  const signal = AbortSignal.timeout(10 * 60_000);

  beforeAll(async () => {
    dir = await tempDir('fs-transfer');
    server = await startTestServer(await newIdentity(dir, 'server-b'), captureLogs().logger);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    work = join(dir, randomUUID());
    src = join(work, 'source');
    // Deep enough that `../..` from inside it still lands in the test's own sandbox.
    dst = join(work, 'target', 'op', 'filestore');
    await mkdir(src, { recursive: true });
    await mkdir(dst, { recursive: true });
  });
  afterEach(async () => {
    for (const p of pairs.splice(0)) p.close();
  });

  async function pair(): Promise<PeerPair> {
    const p = await connectPair(server, { stream: STREAM });
    pairs.push(p);
    return p;
  }

  /** Source files of the given sizes (random content, so names are distinct). */
  async function sourceFiles(sizes: number[]): Promise<Map<string, Buffer>> {
    const files = new Map<string, Buffer>();
    for (const size of sizes) {
      const content = randomBytes(size);
      files.set(relOf(content), content);
      await put(src, relOf(content), content);
    }
    return files;
  }

  const progress = { manifest: -1, files: 0, handled: 0 };
  beforeEach(() => Object.assign(progress, { manifest: -1, files: 0, handled: 0 }));

  /** The target side as clone.receive runs it: `done` on success, an `error` frame on failure. */
  function receive(p: PeerPair, donors: DonorIndex = donorsAt([])): Promise<StreamStats> {
    return receiveFilestoreShard(p.receiver, {
      stream: STREAM,
      root: dst,
      missingFile: join(work, 'target', 'missing.json'),
      donors,
      signal,
      onManifest: (n) => (progress.manifest = n),
      onFile: () => progress.files++,
    }).then(
      (stats) => {
        p.receiver.send({ type: 'done', bytes: stats.wire_bytes, files: stats.files });
        return stats;
      },
      (e: unknown) => {
        const f = peerFailure(e);
        p.receiver.fail(f.code, `server-b: ${f.message}`);
        throw e;
      },
    );
  }

  async function send(p: PeerPair, missingInSource?: string[]): Promise<StreamStats> {
    const { entries } = await listFilestore(src);
    return sendFilestoreShard(p.sender, {
      stream: STREAM,
      root: src,
      entries,
      missingInSource,
      signal,
      pacer: createPacer(0),
      onBytes: (n) => (progress.handled += n),
    });
  }

  async function expectTarget(files: Map<string, Buffer>): Promise<void> {
    expect(await walk(dst)).toEqual([...files.keys()].sort());
    for (const [rel, content] of files) {
      expect(sha1(await readFile(join(dst, rel))), rel).toBe(sha1(content));
      expect((await stat(join(dst, rel))).mode & 0o222, `${rel} read-only`).toBe(0);
    }
  }

  function sizeOf(files: Map<string, Buffer>, rels: string[]): number {
    return rels.reduce((n, rel) => n + (files.get(rel)?.length ?? 0), 0);
  }

  it('sends a whole shard and the target holds exactly the same files', async () => {
    // Empty, tiny, page-sized, and files spanning several reads (256 KiB) and credit grants.
    const files = await sourceFiles([0, 1, 4096, 256 * 1024, 256 * 1024 + 1, 1_500_000, ...Array.from({ length: 30 }, (_, i) => 97 * i + 3)]);
    const total = sizeOf(files, [...files.keys()]);
    const p = await pair();
    const [sent, received] = await Promise.all([send(p, ['ff/ffff-missing']), receive(p)]);
    expect(sent).toEqual({ stream: STREAM, wire_bytes: total, raw_bytes: total, files: files.size, reused_files: 0 });
    expect(received).toEqual(sent);
    await expectTarget(files);
    expect(progress).toEqual({ manifest: files.size, files: files.size, handled: total });
    expect(JSON.parse(await readFile(join(work, 'target', 'missing.json'), 'utf8'))).toEqual(['ff/ffff-missing']);
  });

  it('sends only what neither the target nor a donor already holds', async () => {
    const files = await sourceFiles([10, 20, 30, 40, 50, 60, 70, 80, 90, 100_000]);
    const rels = [...files.keys()];
    const inTarget = rels.slice(0, 2);
    const inDonorA = rels.slice(2, 4);
    const inDonorB = rels.slice(4, 5);
    const donorA = join(work, 'donor-a');
    const donorB = join(work, 'donor-b');
    for (const rel of inTarget) await put(dst, rel, files.get(rel) ?? Buffer.alloc(0));
    for (const rel of inDonorA) await put(donorA, rel, files.get(rel) ?? Buffer.alloc(0));
    for (const rel of inDonorB) await put(donorB, rel, files.get(rel) ?? Buffer.alloc(0));
    const reused = [...inTarget, ...inDonorA, ...inDonorB];
    const total = sizeOf(files, rels);

    const p = await pair();
    const [sent, received] = await Promise.all([send(p), receive(p, donorsAt([donorA, donorB]))]);
    expect(sent).toEqual({
      stream: STREAM,
      wire_bytes: total - sizeOf(files, reused),
      raw_bytes: total - sizeOf(files, reused),
      files: files.size - reused.length,
      reused_files: reused.length,
    });
    expect(received).toEqual(sent);
    await expectTarget(files);
    // Progress counts skipped files as handled, so the bar still reaches the whole shard.
    expect(progress).toEqual({ manifest: files.size, files: files.size, handled: total });
  });

  it('sends many small files many to a frame, with few control messages and grants', async () => {
    const files = await sourceFiles(Array.from({ length: 700 }, (_, i) => 100 + ((i * 37) % 3000)));
    const total = sizeOf(files, [...files.keys()]);
    const p = await pair();
    const counts = { data: 0, messages: 0, grants: 0 };
    const { sender, receiver } = p;
    const sendData = sender.sendData.bind(sender);
    const sendMessage = sender.send.bind(sender);
    const grant = receiver.grant.bind(receiver);
    sender.sendData = (data, sig) => (counts.data++, sendData(data, sig));
    sender.send = (m) => (counts.messages++, sendMessage(m));
    receiver.grant = (n) => (counts.grants++, grant(n));
    const [sent] = await Promise.all([send(p), receive(p)]);
    expect(sent).toMatchObject({ files: 700, wire_bytes: total });
    await expectTarget(files);
    // One frame per file would be 700 data frames, 1400+ control messages and 700 grants.
    const batches = Math.max(Math.ceil(700 / BATCH_FILES), Math.ceil(total / BATCH_BYTES));
    expect(counts.data).toBeLessThanOrEqual(batches + 1);
    expect(counts.messages).toBeLessThanOrEqual(batches + 3);
    expect(counts.grants).toBeLessThanOrEqual(Math.ceil(total / (256 * 1024)) + batches + 1);
  });

  it('sends files larger than a frame and beyond what is taken in memory, and names that are not a sha1', async () => {
    const files = await sourceFiles([BATCH_BYTES, 4 * 1024 * 1024 + 1, 6 * 1024 * 1024 + 7, 10]);
    // Names the content cannot vouch for travel with the sender's sha1, small or large.
    for (const [rel, size] of [['ab/logo.png', 5000], ['cd/report_2024.pdf', 2 * BATCH_BYTES + 3], ['ef/big.bin', 5 * 1024 * 1024]] as const) {
      const content = randomBytes(size);
      files.set(rel, content);
      await put(src, rel, content);
    }
    const total = sizeOf(files, [...files.keys()]);
    const p = await pair();
    const [sent, received] = await Promise.all([send(p), receive(p)]);
    expect(sent).toEqual({ stream: STREAM, wire_bytes: total, raw_bytes: total, files: files.size, reused_files: 0 });
    expect(received).toEqual(sent);
    await expectTarget(files);
  });

  it('a re-clone after 5 % of the files changed sends those files only, and says so in bytes', async () => {
    const files = await sourceFiles(Array.from({ length: 200 }, (_, i) => 2000 + ((i * 7919) % 60_000)));
    const rels = [...files.keys()].sort();
    // The earlier clone (a donor) holds every file but the 10 the source gained since.
    const changed = new Set(rels.filter((_, i) => i % 20 === 7));
    expect(changed.size).toBe(10);
    const donor = join(work, 'earlier-clone');
    for (const rel of rels) if (!changed.has(rel)) await put(donor, rel, files.get(rel) ?? Buffer.alloc(0));
    const total = sizeOf(files, rels);
    const p = await pair();
    const [sent] = await Promise.all([send(p), receive(p, donorsAt([donor]))]);
    expect(sent).toMatchObject({ files: 10, reused_files: 190, wire_bytes: sizeOf(files, [...changed]) });
    expect(sent.wire_bytes / total).toBeLessThan(0.07);
    await expectTarget(files);
  });

  it('fails on a source file whose content is not what its name says (the target checks each name)', async () => {
    const files = await sourceFiles([100, 200, 300]);
    const [bad] = [...files.keys()].sort();
    // Corrupted at rest on the source: the sender does not hash content-addressed files itself.
    await rm(join(src, bad ?? ''), { force: true });
    await put(src, bad ?? '', randomBytes(files.get(bad ?? '')?.length ?? 0));
    const p = await pair();
    const [sending, receiving] = await Promise.allSettled([send(p), receive(p)]);
    expect(sending.status).toBe('rejected');
    expect(receiving.status).toBe('rejected');
    const err = (receiving as PromiseRejectedResult).reason as AppError;
    expect(err.code).toBe(ErrorCode.TRANSFER_FAILED);
    expect(err.message).toMatch(new RegExp(`File ${bad ?? ''} failed its checksum`));
    const left = await walk(dst);
    expect(left).not.toContain(bad);
    expect(left.filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('asks the source for the files of a donor deleted while the clone reads it', async () => {
    const files = await sourceFiles([1000, 2000, 3000, 4000]);
    const rels = [...files.keys()];
    const donor = join(work, 'deleted-donor');
    for (const rel of rels) await put(donor, rel, files.get(rel) ?? Buffer.alloc(0));
    const real = donorsAt([donor]);
    // The donor is listed and the first file verified, then the environment is deleted: one file
    // goes after its check (the link finds nothing), the others before theirs.
    let deleted: Promise<void> | null = null;
    const vanishing: DonorIndex = {
      async find(rel, size, sig) {
        if (deleted) return deleted.then(() => real.find(rel, size, sig));
        const found = real.find(rel, size, sig);
        deleted = found.then(() => rm(donor, { recursive: true, force: true }));
        await deleted;
        return found;
      },
    };
    const p = await pair();
    const [sent] = await Promise.all([send(p), receive(p, vanishing)]);
    expect(sent).toMatchObject({ files: rels.length, reused_files: 0 });
    await expectTarget(files);
  });

  it('does not trust a donor or target file whose content does not match its name', async () => {
    const files = await sourceFiles([1000, 2000, 3000, 4000]);
    const [badInDonor, badInTarget, goodInDonor, badInTargetGoodInDonor] = [...files.keys()];
    const donor = join(work, 'donor');
    const content = (rel: string | undefined): Buffer => files.get(rel ?? '') ?? Buffer.alloc(0);
    // Same names and sizes, other content: a corrupted or tampered copy.
    await put(donor, badInDonor ?? '', randomBytes(1000));
    await put(dst, badInTarget ?? '', randomBytes(2000));
    await put(donor, goodInDonor ?? '', content(goodInDonor));
    await put(dst, badInTargetGoodInDonor ?? '', randomBytes(4000));
    await put(donor, badInTargetGoodInDonor ?? '', content(badInTargetGoodInDonor));

    const p = await pair();
    const [sent] = await Promise.all([send(p), receive(p, donorsAt([donor]))]);
    expect(sent).toMatchObject({ files: 2, reused_files: 2, wire_bytes: 1000 + 2000 });
    await expectTarget(files);
  });

  describe('a sender that breaks the rules', () => {
    /** Raw sender frames; resolves with the receiver's answer to the manifest (or its error). */
    async function manifest(p: PeerPair, entries: { rel: string; size: number }[]): Promise<unknown> {
      p.sender.send({ type: 'manifest', files: entries });
      return p.sender.expect(signal, 'need').catch((e: unknown) => e);
    }

    function failedReceive(p: PeerPair): Promise<unknown> {
      return receive(p).then(
        () => 'resolved',
        (e: unknown) => e,
      );
    }

    function expectRefused(e: unknown, message: RegExp): void {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe(ErrorCode.TRANSFER_FAILED);
      expect((e as AppError).message).toMatch(message);
    }

    for (const rel of ['../../etc/passwd', 'ab/../../x', 'ab/..', 'ab/.', '..', '/etc/passwd', 'ab/cd/ef', 'ab', 'xyz0/abc', 'ab/a b']) {
      it(`refuses the manifest entry ${JSON.stringify(rel)} before writing anything`, async () => {
        const p = await pair();
        const receiving = failedReceive(p);
        const answer = await manifest(p, [{ rel, size: 5 }]);
        // Refused at the manifest: the sender is told why instead of being asked for the file.
        expect(answer).toMatchObject({ code: ErrorCode.TRANSFER_FAILED, details: { reported_by_peer: true } });
        expectRefused(await receiving, /invalid file name/);
        expect(await walk(work)).toEqual([]);
      });
    }

    it('refuses a file it did not ask for, or of another size than announced', async () => {
      const content = randomBytes(100);
      const rel = relOf(content);
      for (const [frame, why] of [
        [{ rel: '../../x', size: 100 }, /unrequested file/],
        [{ rel, size: 99 }, /unrequested file/],
      ] as const) {
        const p = await pair();
        const receiving = failedReceive(p);
        expect(await manifest(p, [{ rel, size: 100 }])).toEqual({ type: 'need', files: [rel], reused: 0 });
        p.sender.send({ type: 'file', ...frame });
        await p.sender.sendData(content, signal);
        expectRefused(await receiving, why);
      }
      expect(await walk(work)).toEqual([]);
    });

    it('rejects a file corrupted in transit and keeps no partial file', async () => {
      const content = randomBytes(300_000);
      const rel = relOf(content);
      const otherSameSize = randomBytes(300_000);
      const cases: { name: string; data: Buffer; sha1: string; why: RegExp }[] = [
        // The bytes that arrived are not those the sender read (its sha1 differs).
        { name: 'checksum', data: Buffer.concat([content.subarray(0, 1000), Buffer.from([(content[1000] ?? 0) ^ 1]), content.subarray(1001)]), sha1: sha1(content), why: /failed its checksum/ },
        // Consistent with the sender's sha1, but not the content the name promises.
        { name: 'content address', data: otherSameSize, sha1: sha1(otherSameSize), why: /failed its checksum/ },
        { name: 'short', data: content.subarray(0, 299_999), sha1: sha1(content.subarray(0, 299_999)), why: /failed its checksum/ },
        { name: 'long', data: Buffer.concat([content, Buffer.from('x')]), sha1: sha1(content), why: /longer than announced/ },
      ];
      for (const c of cases) {
        const p = await pair();
        const receiving = failedReceive(p);
        expect(await manifest(p, [{ rel, size: content.length }])).toMatchObject({ files: [rel] });
        p.sender.send({ type: 'file', rel, size: content.length });
        await p.sender.sendData(c.data, signal);
        p.sender.send({ type: 'file.end', sha1: c.sha1 });
        const err = await receiving;
        expectRefused(err, c.why);
        expect(await walk(work), c.name).toEqual([]);
      }
    });

    it('rejects a batch with a corrupted byte, places nothing from it past that file, and leaves no partial file', async () => {
      const contents = [randomBytes(5000), randomBytes(7000), randomBytes(3000)];
      const entries = contents.map((c) => ({ rel: relOf(c), size: c.length }));
      const data = Buffer.concat(contents);
      data[5000 + 1234] = (data[5000 + 1234] ?? 0) ^ 0x40;
      const p = await pair();
      const receiving = failedReceive(p);
      const asked = (await manifest(p, entries)) as { files: string[] };
      expect(asked.files.sort()).toEqual(entries.map((e) => e.rel).sort());
      p.sender.send({ type: 'batch', files: entries });
      await p.sender.sendData(data, signal);
      expectRefused(await receiving, new RegExp(`File ${entries[1]?.rel ?? ''} failed its checksum`));
      const left = await walk(dst);
      expect(left.filter((f) => f !== entries[0]?.rel)).toEqual([]);
    });

    it('refuses a batch of a file whose name is not its sha1 without the sender\'s sha1, or longer than announced', async () => {
      const content = randomBytes(100);
      for (const [entries, data, why] of [
        [[{ rel: 'ab/logo.png', size: 100 }], content, /no checksum for ab\/logo.png/],
        [[{ rel: relOf(content), size: 100 }], Buffer.concat([content, Buffer.from('x')]), /longer than announced/],
      ] as const) {
        const p = await pair();
        const receiving = failedReceive(p);
        await manifest(p, [...entries]);
        p.sender.send({ type: 'batch', files: [...entries] });
        await p.sender.sendData(data, signal);
        expectRefused(await receiving, why);
      }
      expect(await walk(dst)).toEqual([]);
    });

    it('removes the partial file when the connection drops in the middle of a file', async () => {
      // Larger than the receiver takes in memory: this one is being written when the link drops.
      const content = randomBytes(5 * 1024 * 1024);
      const rel = relOf(content);
      const p = await pair();
      const receiving = failedReceive(p);
      expect(await manifest(p, [{ rel, size: content.length }])).toMatchObject({ files: [rel] });
      p.sender.send({ type: 'file', rel, size: content.length });
      await p.sender.sendData(content.subarray(0, 1024 * 1024), signal);
      await p.sender.sendData(content.subarray(1024 * 1024, 2 * 1024 * 1024), signal);
      p.senderSocket.terminate();
      expectRefused(await receiving, /lost/);
      expect(await walk(work)).toEqual([]);
    });
  });
});
