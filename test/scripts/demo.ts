// The main job, on one machine: a controller, two agents ("server A", "server B") on the local
// runtime (or, with --runtime docker, each environment as containers on the local Docker engine),
// a seeded Odoo-shaped production environment on server A, shown running.
// Stays up until Ctrl-C (or exits at once with --exit, for smoke tests).
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CloneOperation, Environment, Server } from '@oec/shared';
import {
  cleanupDocker,
  dockerAgentEnv,
  dockerClusterOf,
  dockerSuiteLabel,
  dockerUnavailable,
  followOperation,
  OEC_MAIN,
  packageMain,
  runCli,
  sanitizationSummary,
  seedEnvironment,
  startPlatform,
  startSmtpSink,
  waitFor,
} from '../src/harness/index.js';
import type { SmtpSink } from '../src/harness/index.js';

const { values } = parseArgs({
  options: {
    exit: { type: 'boolean', default: false },
    size: { type: 'string', default: 'tiny' },
    dir: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'local' },
  },
});
const size = values.size === 'small' || values.size === 'large' ? values.size : 'tiny';
if (values.runtime !== 'local' && values.runtime !== 'docker') {
  process.stderr.write(`--runtime must be local or docker, not ${values.runtime ?? ''}\n`);
  process.exit(2);
}
const docker = values.runtime === 'docker';
/** Each agent's oec.server label (two agents share the engine), swept when the demo stops. */
const labels = { a: dockerSuiteLabel('demo-a'), b: dockerSuiteLabel('demo-b') };

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const dir = values.dir ?? process.env.OEC_DEMO_DIR;
  if (dir) await mkdir(dir, { recursive: true });
  say('Starting the controller (with its own PostgreSQL) and a local SMTP sink for its emails …');
  const smtp: SmtpSink = await startSmtpSink();
  const platform = await startPlatform({
    ...(dir ? { dir } : {}),
    echo: values.verbose,
    controllerEnv: { OEC_SMTP_URL: smtp.url, OEC_NOTIFY_INTERVAL_MS: '500' },
  });
  let closing = false;
  const shutdown = async (code = 0) => {
    if (closing) return;
    closing = true;
    say('\nStopping agents, controller and clusters …');
    await platform.close();
    await smtp.close();
    if (docker) for (const label of Object.values(labels)) await cleanupDocker(label);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  if (docker) {
    const why = await dockerUnavailable();
    if (why) throw new Error(`--runtime docker: ${why}`);
    say('Starting agent for server A and server B (docker runtime: every environment is containers on this engine) …');
  } else {
    say('Starting agent for server A and server B (each with its own PostgreSQL cluster) …');
  }
  const a = await platform.addServer('a', docker ? dockerAgentEnv(labels.a) : {});
  const b = await platform.addServer('b', docker ? dockerAgentEnv(labels.b) : {});
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
  env = await platform.api.ok<Environment>('GET', `/environments/${env.id}`);

  const servers = await platform.api.ok<{ items: Server[] }>('GET', '/servers');
  say('');
  say(`Controller:   ${platform.url}   (state in ${platform.dir})`);
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
  say(`  curl -s -H "Authorization: Bearer $TOKEN" ${platform.url}/api/v1/servers`);
  say(`  curl -s -H "Authorization: Bearer $TOKEN" ${platform.url}/api/v1/environments/${env.id}`);
  say(`  curl -s -H "Authorization: Bearer $TOKEN" ${platform.url}/api/v1/organizations/${platform.org.id}/usage`);

  const clone = async (title: string, body: Record<string, unknown>): Promise<CloneOperation> => {
    say('');
    say(title);
    const started = await platform.api.ok<CloneOperation>('POST', `/environments/${env.id}/clone`, body);
    const op = await followOperation(platform.api, started.id);
    say('');
    if (op.status === 'completed') {
      say(`Clone completed in ${op.duration_seconds ?? '?'} s: ${op.target.name} is ${op.target.status} at ${op.target.url}`);
      say(sanitizationSummary(op));
    } else {
      say(`Clone ${op.status}: ${op.error?.code ?? ''} ${op.error?.message ?? ''}`);
    }
    say(`  curl -s -H "Authorization: Bearer $TOKEN" ${platform.url}/api/v1/clone-operations/${op.id}`);
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
  const across = await clone('Cloning production onto server B, streamed agent to agent (zstd on the wire, 4 filestore streams) …', {
    target: { create_new: true, environment_type: 'staging', name: 'staging-b', vm_id: b.server.id },
    sanitization_preset: 'recommended',
    options: { compress: true, parallel_transfer: true },
  });
  const logs = await platform.api.ok<{ items: { message: string }[] }>('GET', `/clone-operations/${across.id}/logs`);
  for (const line of logs.items.filter((l) => l.message.startsWith('Transferred'))) say(`  ${line.message}`);
  say('');
  say('Try the oec CLI on this platform:');
  say(`  export OEC_URL=${platform.url} OEC_TOKEN=${platform.ownerToken}`);
  say(`  node ${OEC_MAIN} envs`);
  say(`  node ${OEC_MAIN} clone production --name staging-cli --preset minimal`);
  say(`  node ${OEC_MAIN} status ${across.id}`);
  // The dashboard, signed in by a one-time link (single use, 2 h): the token is exchanged by the
  // page and wiped from the address bar; a later sign-in needs `bootstrap --password`.
  const link = await runCli(
    packageMain('@oec/controller'),
    ['sign-in-link', '--user', 'owner@example.com', '--ttl', '2h', '--base-url', platform.url],
    platform.controllerEnv,
  );
  say('');
  say(`Dashboard:    ${link}`);
  say('              (a one-time sign-in link, valid 2 h; Projects → shop → Environments → ⋮ → Clone Environment)');
  if (values.exit) return shutdown(same.status === 'completed' && across.status === 'completed' ? 0 : 1);
  say('\nRunning. Ctrl-C stops everything.');
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
