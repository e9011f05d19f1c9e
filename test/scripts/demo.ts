// The main job, on one machine: a controller, two agents ("server A", "server B") on the local
// runtime (or, with --runtime docker, each environment as containers on the local Docker engine),
// a seeded Odoo-shaped production environment on server A, shown running.
// Stays up until Ctrl-C (or exits at once with --exit, for smoke tests).
// --replicas N: N controller processes on one database (decision 0018) behind a round-robin front
// door (harness/front-door.ts) for clients; each agent is given every replica's URL, its own first,
// and the demo prints how to kill a replica mid-clone.
// --cow: server A's data root is a loop-mounted XFS with reflink (made under the demo's folder, as
// root) and its environments each get a PostgreSQL cluster: its same-server clone is an instant
// copy-on-write snapshot (README "Instant clones"), next to the streamed clone onto server B.
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CloneOperation, Environment, Server } from '@oec/shared';
import {
  cleanupDocker,
  createApi,
  dockerAgentEnv,
  dockerClusterOf,
  dockerSuiteLabel,
  dockerUnavailable,
  followOperation,
  loopXfsUnavailable,
  mountLoopXfs,
  OEC_MAIN,
  packageMain,
  runCli,
  sanitizationSummary,
  seedEnvironment,
  startPlatform,
  startFrontDoor,
  startSmtpSink,
  waitFor,
} from '../src/harness/index.js';
import type { Api, FrontDoor, LoopXfs, SmtpSink } from '../src/harness/index.js';

const { values } = parseArgs({
  options: {
    exit: { type: 'boolean', default: false },
    size: { type: 'string', default: 'tiny' },
    dir: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'local' },
    replicas: { type: 'string', default: '1' },
    cow: { type: 'boolean', default: false },
  },
});
const replicas = Number(values.replicas);
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 4) {
  process.stderr.write(`--replicas must be 1 to 4, not ${values.replicas ?? ''}\n`);
  process.exit(2);
}
const size = values.size === 'small' || values.size === 'large' ? values.size : 'tiny';
if (values.runtime !== 'local' && values.runtime !== 'docker') {
  process.stderr.write(`--runtime must be local or docker, not ${values.runtime ?? ''}\n`);
  process.exit(2);
}
const docker = values.runtime === 'docker';
const cow = values.cow === true;
if (cow && (docker || loopXfsUnavailable())) {
  process.stderr.write(`--cow: ${docker ? 'runs on the local runtime' : (loopXfsUnavailable() ?? '')}\n`);
  process.exit(2);
}
/** Each agent's oec.server label (two agents share the engine), swept when the demo stops. */
const labels = { a: dockerSuiteLabel('demo-a'), b: dockerSuiteLabel('demo-b') };

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const dir = values.dir ?? process.env.OEC_DEMO_DIR;
  if (dir) await mkdir(dir, { recursive: true });
  say(
    replicas > 1
      ? `Starting ${replicas} controller replicas (one PostgreSQL for their state) and a local SMTP sink for their emails …`
      : 'Starting the controller (with its own PostgreSQL) and a local SMTP sink for its emails …',
  );
  const smtp: SmtpSink = await startSmtpSink();
  const platform = await startPlatform({
    ...(dir ? { dir } : {}),
    echo: values.verbose,
    replicas,
    controllerEnv: { OEC_SMTP_URL: smtp.url, OEC_NOTIFY_INTERVAL_MS: '500' },
  });
  // With replicas, clients go through the front door: this demo's requests, the CLI, the
  // dashboard. Agents take every replica's URL (A replica 0's first, B replica 1's) and try the
  // next one after a lost link, so a killed replica's agent dials back in to a live one.
  const front: FrontDoor | undefined = replicas > 1 ? await startFrontDoor(() => platform.urls) : undefined;
  const entry = front?.url ?? platform.url;
  const api: Api = front ? createApi(front.url, platform.ownerToken) : platform.api;
  const replicaOfA = 0;
  const replicaOfB = 1 % replicas;
  let closing = false;
  let xfs: LoopXfs | undefined;
  const shutdown = async (code = 0) => {
    stopOnFailure = undefined;
    if (closing) return;
    closing = true;
    say('\nStopping agents, controller and clusters …');
    await platform.close();
    await xfs?.close();
    await front?.close();
    await smtp.close();
    if (docker) for (const label of Object.values(labels)) await cleanupDocker(label);
    process.exit(code);
  };
  stopOnFailure = shutdown;
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  if (docker) {
    const why = await dockerUnavailable();
    if (why) throw new Error(`--runtime docker: ${why}`);
    say('Starting agent for server A and server B (docker runtime: every environment is containers on this engine) …');
  } else {
    say('Starting agent for server A and server B (each with its own PostgreSQL cluster) …');
  }
  if (cow) {
    xfs = await mountLoopXfs(platform.dir, 8192, platform.agentDataDir('a'));
    say(`Server A's data root is an XFS with reflink on ${xfs.device} (mounted at ${xfs.dir}); a cluster per environment there`);
  }
  const a = await platform.addServer('a', docker ? dockerAgentEnv(labels.a) : cow ? { OEC_LOCAL_CLUSTERS: 'per_environment' } : {}, { replica: replicaOfA });
  const b = await platform.addServer('b', docker ? dockerAgentEnv(labels.b) : {}, { replica: replicaOfB });
  say('Creating the production environment on server A …');
  const created = await platform.createEnvironment(a.server.id, {
    name: 'production',
    environment_type: 'production',
    addons: [
      { kind: 'platform', name: 'platform-addons' },
      { kind: 'project', name: 'shop-addons' },
    ],
  });
  let env = await platform.waitEnvironment(created.id, 'RUNNING', 180_000);
  say(`Seeding it with ${size} Odoo 17-shaped data …`);
  const summary = await seedEnvironment(env, { size, ...(docker ? { cluster: await dockerClusterOf(env, a) } : {}) });
  env = await api.ok<Environment>('GET', `/environments/${env.id}`);

  const servers = await api.ok<{ items: Server[] }>('GET', '/servers');
  say('');
  if (front) {
    say(`Front door:   ${front.url}   (round robin per connection over the replicas; state in ${platform.dir})`);
    platform.controllers.forEach((c, i) => {
      const agents = [replicaOfA === i ? 'a' : null, replicaOfB === i ? 'b' : null].filter(Boolean).map((s) => `server ${s ?? ''}'s agent`);
      say(`Replica ${i}:    ${platform.urls[i] ?? ''}   pid ${c.proc.pid ?? '?'}${agents.length ? `   (${agents.join(', ')})` : ''}`);
    });
  } else {
    say(`Controller:   ${platform.url}   (state in ${platform.dir})`);
  }
  say(`Token:        ${platform.ownerToken}`);
  for (const s of servers.items) {
    const gb = (n: number | undefined) => ((n ?? 0) / 1e9).toFixed(1);
    say(`Server ${s.name}:     ${s.status}  ${s.facts?.hostname ?? ''}  disk ${gb(s.disk?.free_bytes)} / ${gb(s.disk?.total_bytes)} GB free`);
  }
  say(`Environment:  ${env.name} (${env.type}) ${env.status} on server a, database ${env.database_name}`);
  say(`              ${summary.rowCounts.res_partner ?? 0} partners, ${summary.rowCounts.res_users ?? 0} users, ${summary.files.count} files (${(summary.files.bytes / 1e6).toFixed(1)} MB)`);
  say(`              filestore ${env.filestore_path ?? ''}`);
  if (docker) say(`Containers:   docker ps --filter label=oec.server=${labels.a}   (server B: ${labels.b})`);
  say('');
  say('Look around:');
  say(`  export TOKEN=${platform.ownerToken}`);
  say(`  curl -s -H "Authorization: Bearer $TOKEN" ${entry}/api/v1/servers`);
  say(`  curl -s -H "Authorization: Bearer $TOKEN" ${entry}/api/v1/environments/${env.id}`);
  say(`  curl -s -H "Authorization: Bearer $TOKEN" ${entry}/api/v1/organizations/${platform.org.id}/usage`);

  const clone = async (title: string, body: Record<string, unknown>): Promise<CloneOperation> => {
    say('');
    say(title);
    const started = await api.ok<CloneOperation>('POST', `/environments/${env.id}/clone`, body);
    const op = await followOperation(api, started.id);
    say('');
    if (op.status === 'completed') {
      say(`Clone completed in ${op.duration_seconds ?? '?'} s: ${op.target.name} is ${op.target.status} at ${op.target.url}`);
      say(sanitizationSummary(op));
    } else {
      say(`Clone ${op.status}: ${op.error?.code ?? ''} ${op.error?.message ?? ''}`);
    }
    say(`  curl -s -H "Authorization: Bearer $TOKEN" ${entry}/api/v1/clone-operations/${op.id}`);
    const mail = await waitFor(() => smtp.mails.find((m) => m.text.includes(`/clone-operations/${op.id}`)), {
      timeoutMs: 30_000,
      what: 'the completion email',
    }).catch(() => undefined);
    if (mail) {
      say(`Email delivered to the local sink (${smtp.url}) for ${mail.to.join(', ')}: ${mail.subject}`);
      for (const line of mail.text.trimEnd().split('\n')) say(`  | ${line}`);
    }
    return op;
  };
  const same = await clone('Cloning production into a new staging environment on server A (recommended sanitization) …', {
    target: { create_new: true, environment_type: 'staging' },
    sanitization_preset: 'recommended',
  });
  const sameLogs = await api.ok<{ items: { message: string }[] }>('GET', `/clone-operations/${same.id}/logs?limit=1000`);
  for (const line of sameLogs.items.filter((l) => /^(Copy-on-write snapshot|Copy rewritten|Copying the database)/.test(l.message))) say(`  ${line.message}`);
  const across = await clone('Cloning production onto server B, streamed agent to agent (zstd on the wire, 4 filestore streams) …', {
    target: { create_new: true, environment_type: 'staging', name: 'staging-b', vm_id: b.server.id },
    sanitization_preset: 'recommended',
    options: { compress: true, parallel_transfer: true },
  });
  const logs = await api.ok<{ items: { message: string }[] }>('GET', `/clone-operations/${across.id}/logs`);
  for (const line of logs.items.filter((l) => l.message.startsWith('Transferred'))) say(`  ${line.message}`);
  say('');
  say('Try the oec CLI on this platform:');
  say(`  export OEC_URL=${entry} OEC_TOKEN=${platform.ownerToken}`);
  say(`  node ${OEC_MAIN} envs`);
  say(`  node ${OEC_MAIN} clone production --name staging-cli --preset minimal`);
  say(`  node ${OEC_MAIN} status ${across.id}`);
  // The dashboard, signed in by a one-time link (single use, 2 h): the token is exchanged by the
  // page and wiped from the address bar; a later sign-in needs `bootstrap --password`.
  const link = await runCli(
    packageMain('@oec/controller'),
    ['sign-in-link', '--user', 'owner@example.com', '--ttl', '2h', '--base-url', entry],
    platform.controllerEnv,
  );
  say('');
  say(`Dashboard:    ${link}`);
  say('              (a one-time sign-in link, valid 2 h; Projects → shop → Environments → ⋮ → Clone Environment)');
  if (front) replicaWalkthrough(front, replicaOfA);
  if (values.exit) return shutdown(same.status === 'completed' && across.status === 'completed' ? 0 : 1);
  say('\nRunning. Ctrl-C stops everything.');

  /** How to kill a replica mid-clone, what to look at; SIGUSR2 starts killed replicas again. */
  function replicaWalkthrough(door: FrontDoor, victim: number): void {
    const pid = platform.controllers[victim]?.proc.pid ?? '?';
    say('');
    say(`Kill a controller replica mid-clone (replica ${victim} holds server a's agent; the clone is cross-server, so both take part):`);
    say(`  export OEC_URL=${door.url} OEC_TOKEN=${platform.ownerToken}`);
    say(`  node ${OEC_MAIN} clone production --name staging-kill --server b --preset minimal --no-wait && kill -9 ${pid}`);
    say(`  node ${OEC_MAIN} wait <operation id>     # through the front door: a surviving replica answers`);
    say(`  node ${OEC_MAIN} servers                 # server a's agent dials the next replica`);
    say(`  kill -USR2 ${process.pid}                   # this demo starts the killed replica again on its port`);
    say('What you see: the front door skips the dead replica, so reads and the CLI go on at once (every replica reads');
    say('the same database); the agent it held dials the next replica within seconds. The clone the killed replica');
    say('was driving waits for its lease to expire (OEC_OPERATION_LEASE_MS, 15 s), then a surviving replica takes it');
    say('over and resumes it (README, "Two controller replicas"). This demo prints a line when a replica exits.');
    platform.controllers.forEach((c, i) => watchReplica(c, i));
    process.on('SIGUSR2', () => {
      void (async () => {
        for (const [i, c] of platform.controllers.entries()) {
          if (c.proc.exitCode === null && c.proc.signalCode === null) continue;
          say(`Starting replica ${i} again on ${platform.urls[i] ?? ''} …`);
          const d = await platform.restartController(i).catch((e: unknown) => {
            say(`replica ${i} did not start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
            return undefined;
          });
          if (d) {
            say(`Replica ${i} listening again: pid ${d.proc.pid ?? '?'}`);
            watchReplica(d, i);
          }
        }
      })();
    });
  }

  function watchReplica(d: (typeof platform.controllers)[number], i: number): void {
    void d.exited.then(() => {
      if (closing) return;
      say(`\nReplica ${i} (pid ${d.proc.pid ?? '?'}) exited (${d.proc.signalCode ?? `code ${d.proc.exitCode ?? '?'}`}); kill -USR2 ${process.pid} starts it again.`);
    });
  }
}

/** Once the platform runs: stop its processes and clusters before exiting on a failure. */
let stopOnFailure: ((code: number) => Promise<void>) | undefined;

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  if (stopOnFailure) void stopOnFailure(1);
  else process.exit(1);
});
