// The objects a fuzz file's requests aim at: two organizations (one of the caller's, one of
// another owner's), projects, servers, environments (clone sources and expendable ones), clone
// operations (completed and failed), a webhook and password users. Seeded with a fake agent that
// answers every task; afterwards it answers only the read-only measurements requests make
// (env.inspect, clone.estimate) and leaves everything else in flight, so an accepted create, start,
// destroy or clone stays where it is instead of going on changing the database behind the suite.
import type { Environment, Webhook } from '@oec/shared';
import { cloneBehaviour, error } from '../clone-agent.js';
import { CLONE_ENV, createEnv, startClone, waitOp } from '../clone-fixtures.js';
import { FakeAgent, seedOrganization, waitFor } from '../harness.js';
import type { Controller, User } from '../harness.js';

/** The controller's settings for a fuzz file (why each is set is said beside it). */
export const FUZZ_ENV: Record<string, string> = {
  // Mutation limits high enough that the bucket never hides the schemas (429 stays possible).
  ...CLONE_ENV,
  // No heartbeats, no liveness sweep: agent frames never write between two snapshots.
  OEC_HEARTBEAT_INTERVAL_MS: '3600000',
  // The notification sender drains once at start and then sleeps: no delivery rows appear later.
  OEC_NOTIFY_INTERVAL_MS: '3600000',
};

export interface World {
  ctl: Controller;
  alice: User;
  /** Users without a membership; `/auth/password` is limited per email, so it rotates over them. */
  passwordUsers: User[];
  orgs: string[];
  projects: string[];
  servers: string[];
  /** RUNNING environments that clone routes aim at. */
  sources: string[];
  /** Environments that start, stop, destroy and replace may take. */
  expendable: string[];
  environments: string[];
  operations: string[];
  webhooks: string[];
  agent: FakeAgent;
}

/** Read-only tasks a request may make while it is checked; everything else is left in flight. */
export const READ_ONLY_TASKS = ['env.inspect', 'clone.estimate'] as const;

export async function seedWorld(ctl: Controller, alice: User): Promise<World> {
  const { org, project, server } = await seedOrganization(ctl, alice, 'fuzz', { cpu: 64, ram_gb: 256, disk_gb: 10_000, environments: 40 });
  const bob = await ctl.createUser('bob@example.com');
  const other = await seedOrganization(ctl, bob, 'other');
  const behaviour = cloneBehaviour({ overrides: { 'clone.validate': (task) => (failNext-- > 0 ? error('SOURCE_UNREACHABLE', 'fuzz: a failed operation to retry') : cloneBehaviour()(task, agent)) } });
  let failNext = 0;
  let seeding = true;
  const agent: FakeAgent = await FakeAgent.connect(ctl.wsUrl, server.agent_token, {
    heartbeatMs: null,
    facts: { disk_free_bytes: 50e9 },
    onTask: (task) => (seeding || (READ_ONLY_TASKS as readonly string[]).includes(task.kind) ? behaviour(task, agent) : 'ignore'),
  });
  const base = { project, serverId: server.id, api: alice.api };
  const env = (name: string, type: string) =>
    createEnv(base, { name, environment_type: type, resources: { cpu: 1, ram_gb: 2, disk_gb: 10 }, addons: [{ kind: 'project', name: 'shop-addons' }] });
  const sources: Environment[] = [await env('production', 'production'), await env('staging', 'staging')];
  const expendable: Environment[] = [await env('dev-one', 'development'), await env('dev-two', 'development')];
  const completed = await startClone(alice.api, sources[1]?.id ?? '', { target: { create_new: true, environment_type: 'development', name: 'cloned' }, sanitization_preset: 'recommended' });
  const done = await waitOp(alice.api, completed.id);
  failNext = 1;
  const failed = await startClone(alice.api, sources[1]?.id ?? '', { target: { create_new: true, environment_type: 'development', name: 'failing' }, sanitization_preset: 'minimal' });
  await waitOp(alice.api, failed.id);
  const hook = await alice.api.ok<Webhook>('POST', `/api/v1/projects/${project.id}/webhooks`, { url: 'https://hooks.example.com/fuzz' });
  const passwordUsers: User[] = [];
  for (let i = 0; i < 12; i++) passwordUsers.push(await ctl.createUser(`user${i}@example.com`));
  // Nothing in flight any more: every operation finished and cleaned up.
  await waitFor(async () => {
    const { rows } = await ctl.db.query<{ n: string }>("SELECT count(*) AS n FROM tasks WHERE status IN ('queued', 'running')");
    return rows[0]?.n === '0';
  }, 'seed tasks finished');
  seeding = false;
  return {
    ctl,
    alice,
    passwordUsers,
    orgs: [org.id, other.org.id],
    projects: [project.id, other.project.id],
    servers: [server.id, other.server.id],
    sources: sources.map((e) => e.id),
    expendable: expendable.map((e) => e.id),
    environments: [...sources, ...expendable].map((e) => e.id).concat(done.target_environment_id),
    operations: [done.id, failed.id],
    webhooks: [hook.id],
    agent,
  };
}
