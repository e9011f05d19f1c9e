// Same-server clone steps through the agent's own task handlers on two DockerRuntime environments
// (skipped, with the reason printed, without an engine and the test images): create_new from a
// running source (dump | restore between the two PostgreSQL containers, filestore hard-linked on
// the host, the target started and healthy), then a replace of that target (work database beside
// it, swap, the Odoo container recreated on the new addons). Sanitizing is covered on `local`.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnvironmentSpec, type TaskKind } from '@oec/shared';
import { createDockerClient } from '../../docker/client.js';
import { createLogger } from '../../logger.js';
import { createHandlers } from './index.js';
import type { HandlerRegistry, TaskContext } from '../types.js';
import { DockerRuntime } from '../../runtime/docker/index.js';
import { cleanupAll, listLabelled } from '../../runtime/docker/engine.js';
import { envObjectNames, LABEL } from '../../runtime/docker/objects.js';
import { testEnvironmentSpec } from '../../testing/env-spec.js';
import { testClonePlan } from '../../testing/clone-plan.js';
import { dockerSkipReason, TEST_IMAGES, TEST_ODOO_USER } from '../../testing/docker-images.js';

const docker = createDockerClient();
const skipReason = await dockerSkipReason(docker);
if (skipReason) console.warn(`Docker clone tests skipped: ${skipReason}`);

const SERVER = `oec-test-${randomBytes(4).toString('hex')}`;

const spec = (name: string): EnvironmentSpec => testEnvironmentSpec(name, 'shop-addons');

const plan = testClonePlan;

describe.skipIf(skipReason !== null)('same-server clone on the docker runtime', () => {
  let dataDir = '';
  let runtime: DockerRuntime;
  const logger = createLogger('silent');
  const handlers = createHandlers();
  const run = <K extends TaskKind>(kind: K, input: Parameters<HandlerRegistry[K]>[0]): ReturnType<HandlerRegistry[K]> => {
    const ctx: TaskContext = {
      taskId: randomUUID(),
      kind,
      signal: new AbortController().signal,
      fence: { operation_id: null, attempt: 0 },
      runtime,
      logger,
      progress: () => undefined,
      log: () => undefined,
    };
    return (handlers[kind] as (i: unknown, c: TaskContext) => ReturnType<HandlerRegistry[K]>)(input, ctx);
  };
  const signal = new AbortController().signal;

  // The source was made when the server's configuration named other images (same content, other
  // names): a new environment cloned from it must run the source's images, not today's config.
  const SOURCE_IMAGES = { postgres: `oec/postgres-${SERVER}:15`, odoo: `oec/odoo-standin-${SERVER}:{version}` };
  let sourceRuntime: DockerRuntime;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'oec-docker-clone-'));
    const options = { docker, dataDir, server: SERVER, hostname: 'test-host', peerUrl: null, odooUser: TEST_ODOO_USER, childEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, logger };
    runtime = new DockerRuntime({ ...options, images: TEST_IMAGES });
    sourceRuntime = new DockerRuntime({ ...options, images: SOURCE_IMAGES });
    await docker.getImage(TEST_IMAGES.postgres).tag({ repo: `oec/postgres-${SERVER}`, tag: '15' });
    await docker.getImage(TEST_IMAGES.odoo.replace('{version}', '17.0')).tag({ repo: `oec/odoo-standin-${SERVER}`, tag: '17.0' });
  });

  afterAll(async () => {
    await runtime?.close();
    await sourceRuntime?.close();
    for (const alias of [SOURCE_IMAGES.postgres, SOURCE_IMAGES.odoo.replace('{version}', '17.0')]) {
      await docker.getImage(alias).remove().catch(() => undefined);
    }
    await cleanupAll(docker, { [LABEL.server]: SERVER });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('clones a running environment into a new one, then replaces it', async () => {
    const source = spec('prod');
    const target = spec('staging');
    const src = await sourceRuntime.create(source, signal);
    // An Odoo-shaped sliver: attachments naming content-addressed files, and an addon.
    const files = ['first', 'second', 'third'].map((content) => {
      const sha = createHash('sha1').update(content).digest('hex');
      return { content, fname: `${sha.slice(0, 2)}/${sha}` };
    });
    for (const f of files) {
      await mkdir(join(src.filestore_path, f.fname.slice(0, 2)), { recursive: true });
      await writeFile(join(src.filestore_path, f.fname), f.content);
    }
    await writeFile(join(src.addons_path, 'project', 'shop-addons', '__manifest__.py'), "{'name': 'shop'}\n");
    await runtime.withDatabase(source.db_name, async (c) => {
      await c.query(`SET ROLE ${source.db_name}`);
      await c.query('CREATE TABLE ir_attachment (id serial PRIMARY KEY, name text, store_fname text)');
      await c.query('CREATE TABLE res_partner (id serial PRIMARY KEY, name text)');
      await c.query('CREATE TABLE ir_module_module (name text, latest_version text)');
      await c.query("INSERT INTO ir_module_module VALUES ('base', '17.0.1.3')");
      for (const f of files) await c.query('INSERT INTO ir_attachment (name, store_fname) VALUES ($1, $2)', [f.content, f.fname]);
      await c.query("INSERT INTO res_partner (name) SELECT 'partner ' || g FROM generate_series(1, 1000) g");
    });
    await runtime.start(source, signal);

    const first = plan(source, target, 'create_new');
    await run('clone.validate', first);
    await run('clone.prepare', first);
    await run('clone.addons', first);
    const data = await run('clone.data', first);
    expect(data.database?.method).toBe('stream');
    expect(data.filestore?.files).toBe(3);
    const verified = await run('clone.verify', first);
    expect(verified.checks.every((c) => c.passed)).toBe(true);
    expect(await runtime.appStatus(target)).toMatchObject({ running: true, healthy: true });
    const imageOf = async (name: string) => (await docker.getContainer(name).inspect()).Config.Image;
    const targetNames = envObjectNames(target.environment_id);
    expect([await imageOf(targetNames.db), await imageOf(targetNames.odoo)]).toEqual([SOURCE_IMAGES.postgres, `oec/odoo-standin-${SERVER}:17.0`]);
    const tgt = runtime.locate(target);
    // Same filesystem: the filestore is hard-linked, not copied.
    const [a, b] = await Promise.all([stat(join(src.filestore_path, files[0]!.fname)), stat(join(tgt.filestore_path, files[0]!.fname))]);
    expect(b.ino).toBe(a.ino);
    expect(await readFile(join(tgt.addons_path, 'project', 'shop-addons', '__manifest__.py'), 'utf8')).toContain('shop');
    const count = (db: string) => runtime.withDatabase(db, (c) => c.query<{ n: number }>('SELECT count(*)::int AS n FROM res_partner').then((r) => r.rows[0]?.n));
    expect(await count(target.db_name)).toBe(1000);

    // The source changes; a replace brings the change over, the target keeps its name and domain.
    await runtime.withDatabase(source.db_name, (c) => c.query("INSERT INTO res_partner (name) VALUES ('late')"));
    const second = plan(source, target, 'replace');
    await run('clone.validate', second);
    await run('clone.prepare', second);
    await run('clone.addons', second);
    await run('clone.data', second);
    expect(await count(target.db_name)).toBe(1000);
    const again = await run('clone.verify', second);
    expect(again.checks.every((c) => c.passed)).toBe(true);
    // The new data came up in an unrouted instance before the swap, which is gone again.
    expect(again.checks.find((c) => c.name.startsWith('new data healthy in an unrouted instance'))).toMatchObject({ passed: true, detail: '17.0' });
    expect(await listLabelled(docker, { [LABEL.server]: SERVER, [LABEL.role]: 'odoo-trial' })).toEqual([]);
    expect(await count(target.db_name)).toBe(1001);
    expect(await runtime.databaseExists(second.retained_db!)).toBe(true);
    expect(await runtime.appStatus(target)).toMatchObject({ running: true, healthy: true });

    await runtime.destroy(target, signal);
    await runtime.destroy(source, signal);
    expect(await listLabelled(docker, { [LABEL.server]: SERVER })).toEqual([]);
  }, 600_000);
});
