// Instant clones on btrfs (issue 19, decision 0022): an agent whose data root is a loop-mounted
// btrfs, a PostgreSQL cluster per environment. Every environment's filestore is a subvolume; a
// same-server clone snapshots it whole (one ioctl at any number of files) instead of cloning file
// by file, then trims it to what a copy takes (no GC checklist, none of the sensitive models'
// files). Checked: the server says so, a create_new and a replace complete with every guarantee of
// the other paths (checkClone), the copy's filestore is a subvolume of its own (a write there does
// not reach production's), and removing the environment removes it. A replace's filestore, also
// one received from another server, is a subvolume too; a plain one becomes one at its next start.
import { existsSync } from 'node:fs';
import { appendFile, cp, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneOperation, Environment, Estimate, Server } from '@oec/shared';
import {
  clusterOf,
  createSeededSource,
  startPlatform,
  loopBtrfsUnavailable,
  mountLoopBtrfs,
  platformProjectSalt,
  waitFor,
  waitOperation,
  type AgentHandle,
  type LoopXfs,
  type Platform,
} from '../src/harness/index.js';
import { checkClone } from '../src/clone/check-clone.js';
import { dumpDigest } from '../src/clone/db-facts.js';
import { SENSITIVE_MODELS } from '../src/sanitize/guarantees.js';
import type { GeneratedSummary } from '../src/odoo/index.js';

const unavailable = loopBtrfsUnavailable();
/** btrfs gives a subvolume's root directory inode 256, and no other directory. */
const isSubvolume = async (dir: string) => (await lstat(dir)).ino === 256;

describe.skipIf(unavailable !== null)(`copy-on-write clones on btrfs, filestores snapshotted whole${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let platform: Platform;
  let fs: LoopXfs;
  /** Server b's data root, another loop btrfs (the second case). */
  let fsB: LoopXfs | undefined;
  let base: string;
  let a: AgentHandle;
  let source: Environment;
  let summary: GeneratedSummary;
  let salt = '';
  let staging: Environment;

  beforeAll(async () => {
    platform = await startPlatform();
    base = await mkdtemp(join(tmpdir(), 'oec-cow-btrfs-'));
    fs = await mountLoopBtrfs(base, 3072, platform.agentDataDir('a'));
    a = await platform.addServer('a', { OEC_LOCAL_CLUSTERS: 'per_environment' });
    ({ source, summary } = await createSeededSource(platform, a));
    salt = await platformProjectSalt(platform);
    // Odoo's GC checklist belongs to the source's database: a copy never takes it
    await mkdir(join(source.filestore_path!, 'checklist', 'ab'), { recursive: true });
    await writeFile(join(source.filestore_path!, 'checklist', 'ab', 'abcdef'), '');
  });

  afterAll(async () => {
    await platform?.close();
    await fs?.close();
    await fsB?.close();
    if (base) await rm(base, { recursive: true, force: true });
  });

  async function logsOf(op: CloneOperation): Promise<string[]> {
    const logs = await platform.api.ok<{ items: Array<{ message: string }> }>('GET', `/clone-operations/${op.id}/logs?limit=1000`);
    return logs.items.map((l) => l.message);
  }

  async function cloned(body: object, preset: 'recommended' | 'full' = 'recommended'): Promise<{ op: CloneOperation; target: Environment; logs: string[] }> {
    const digest = await dumpDigest(clusterOf(source, a), source.database_name);
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, { ...body, sanitization_preset: preset });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const op = await waitOperation(platform.api, res.body.id);
    const logs = await logsOf(op);
    expect(op.status, `${JSON.stringify(op.error)}\n${logs.join('\n')}`).toBe('completed');
    expect(logs.some((m) => m.startsWith('Copy-on-write snapshot of')), logs.join('\n')).toBe(true);
    expect(logs.some((m) => /^Filestore snapshotted \(btrfs subvolume, copy-on-write\): \d+ files/.test(m)), logs.join('\n')).toBe(true);
    const target = await checkClone({
      api: platform.api,
      op,
      preset,
      source,
      sourceCluster: clusterOf(source, a),
      targetCluster: (t) => clusterOf(t, a),
      summary,
      salt,
      sourceDigest: digest,
    });
    return { op, target, logs };
  }

  /** The copy's filestore: a subvolume of its own, without the checklist, its files its own. */
  async function expectOwnSubvolume(target: Environment): Promise<void> {
    const filestore = target.filestore_path!;
    expect(await isSubvolume(filestore)).toBe(true);
    expect(await isSubvolume(source.filestore_path!)).toBe(true);
    expect(existsSync(join(filestore, 'checklist'))).toBe(false);
    expect(existsSync(join(source.filestore_path!, 'checklist', 'ab', 'abcdef'))).toBe(true);
    // (a hashed directory may be empty: its files only the sensitive models' attachments used)
    let dir = '';
    let file = '';
    for (const d of (await readdir(filestore)).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
      [dir, file] = [d, (await readdir(join(filestore, d)))[0] ?? ''];
      if (file) break;
    }
    expect(file).not.toBe('');
    const original = await readFile(join(source.filestore_path!, dir, file));
    expect(await readFile(join(filestore, dir, file))).toEqual(original);
    await appendFile(join(filestore, dir, file), 'written in staging');
    expect(await readFile(join(source.filestore_path!, dir, file))).toEqual(original);
  }

  it('the server says filestores are snapshotted whole, and the estimate says the clone will be instant', async () => {
    const server = await platform.api.ok<Server>('GET', `/servers/${a.server.id}`);
    expect(server.facts?.cow).toMatchObject({ available: true, filesystem: 'btrfs', filestore_snapshots: true });
    expect(server.facts?.cow?.reason).toMatch(/filestores are btrfs subvolumes/);
    expect(await isSubvolume(source.filestore_path!)).toBe(true);
    const est = await platform.api.post<Estimate>(`/environments/${source.id}/clone/estimate`, {
      target: { create_new: true, environment_type: 'staging', name: 'estimate' },
      sanitization_preset: 'recommended',
    });
    expect(est.body.data_path?.kind, est.body.data_path?.reason).toBe('copy_on_write');
  });

  it('a new environment: the filestore is one snapshot of the source, trimmed, a subvolume of its own', async () => {
    const { target } = await cloned({ target: { create_new: true, environment_type: 'staging', name: 'stage-btrfs' } });
    staging = target;
    await expectOwnSubvolume(target);
  });

  it('a replace, preset full: the snapshot without the sensitive models\' files, swapped in; removing the environment removes its subvolumes', async () => {
    const root = join(platform.agentDataDir('a'), 'environments', staging.id, 'filestore');
    // the files only res.partner's attachments use are left out of the snapshot (checkClone looks)
    await platform.api.ok('PUT', `/projects/${platform.project.id}/sanitization-rules`, { rules: [], sensitive_models: SENSITIVE_MODELS });
    const { op, target, logs } = await cloned({ target: { create_new: false, environment_id: staging.id, confirm_name: staging.name } }, 'full');
    expect(op.mode).toBe('replace');
    expect(op.sanitization_options.replace_sensitive_attachments).toBe(true);
    expect(logs.some((m) => /^Filestore: [1-9]\d* files of sensitive models' attachments left out/.test(m)), logs.join('\n')).toBe(true);
    await expectOwnSubvolume(target);
    // the old filestore is retained beside it as the replace retains it (a subvolume, renamed)
    const beside = (await readdir(root)).filter((d) => d !== target.database_name);
    expect(beside).toHaveLength(1);
    expect(await isSubvolume(join(root, beside[0]!))).toBe(true);

    expect((await platform.api.del(`/environments/${staging.id}`)).status).toBeLessThan(300);
    await waitFor(async () => ((await platform.api.get(`/environments/${staging.id}`)).status === 404 ? true : undefined), {
      timeoutMs: 120_000,
      what: 'the staging environment removed',
    });
    expect(existsSync(join(platform.agentDataDir('a'), 'environments', staging.id))).toBe(false);
    expect(await isSubvolume(source.filestore_path!)).toBe(true);
  });

  it('a replace received from another server gets a subvolume too, so a clone of it on that server is a snapshot', async () => {
    const other = join(base, 'b');
    await mkdir(other);
    fsB = await mountLoopBtrfs(other, 2048, platform.agentDataDir('b'));
    const b = await platform.addServer('b', { OEC_LOCAL_CLUSTERS: 'per_environment' });
    const created = await platform.createEnvironment(b.server.id, { name: 'received', environment_type: 'staging' });
    const empty = await platform.waitEnvironment(created.id, 'RUNNING');
    // a replace receives its filestore beside the target's, then swaps it in
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: false, environment_id: empty.id, confirm_name: empty.name },
      sanitization_preset: 'recommended',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const op = await waitOperation(platform.api, res.body.id);
    expect(op.status, `${JSON.stringify(op.error)}\n${(await logsOf(op)).join('\n')}`).toBe('completed');
    expect(op.mode).toBe('replace');
    const received = await platform.api.ok<Environment>('GET', `/environments/${empty.id}`);
    expect(received.server_id).toBe(b.server.id);
    expect(await isSubvolume(received.filestore_path!)).toBe(true);

    const again = await platform.api.post<CloneOperation>(`/environments/${received.id}/clone`, {
      target: { create_new: true, environment_type: 'staging', name: 'from-received' },
      sanitization_preset: 'recommended',
    });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    const second = await waitOperation(platform.api, again.body.id);
    const logs = await logsOf(second);
    expect(second.status, `${JSON.stringify(second.error)}\n${logs.join('\n')}`).toBe('completed');
    expect(logs.some((m) => /^Filestore snapshotted \(btrfs subvolume, copy-on-write\): [1-9]\d* files/.test(m)), logs.join('\n')).toBe(true);
    const copy = await platform.api.ok<Environment>('GET', `/environments/${second.target_environment_id}`);
    expect(await isSubvolume(copy.filestore_path!)).toBe(true);
  });

  it('a filestore made a plain directory (before btrfs-progs was there) becomes a subvolume at its next start, with its files', async () => {
    const filestore = source.filestore_path!;
    expect((await platform.api.post(`/environments/${source.id}/stop`)).status).toBeLessThan(300);
    await platform.waitEnvironment(source.id, 'STOPPED');
    // what an agent without btrfs-progs made: the same files in a plain directory
    await rename(filestore, `${filestore}.orig`);
    await mkdir(filestore);
    await cp(`${filestore}.orig`, filestore, { recursive: true });
    await rm(`${filestore}.orig`, { recursive: true });
    expect(await isSubvolume(filestore)).toBe(false);
    const files = (await readdir(filestore, { recursive: true })).sort();
    expect((await platform.api.post(`/environments/${source.id}/start`)).status).toBeLessThan(300);
    await platform.waitEnvironment(source.id, 'RUNNING');
    expect(await isSubvolume(filestore)).toBe(true);
    expect((await readdir(filestore, { recursive: true })).sort()).toEqual(files);
    expect((await readdir(dirname(filestore))).filter((n) => n.startsWith(`${source.database_name}.`))).toEqual([]);
    // the next clone takes it whole
    await cloned({ target: { create_new: true, environment_type: 'staging', name: 'after-conversion' } });
  });
});
