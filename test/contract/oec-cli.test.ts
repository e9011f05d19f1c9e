// The `oec` CLI against a controller and a clone-capable fake agent, run as a child process
// without a TTY: login and its 0600 config, names resolved in the project, a clone followed to
// the end line by line, --json parsed with the shared schemas, estimate, logs, cancel, wait,
// retry, and every exit code (0 ok, 1 failed/cancelled, 2 usage/400, 3 401/403, 4 404, 5 409/429).
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloneOperationSchema, environmentSchema, estimateSchema, listOf, logsResponseSchema, serverSchema, STEPS } from '@oec/shared';
import type { Member } from '@oec/shared';
import { OEC_MAIN, oecRunner } from '../src/harness/oec-cli.js';
import type { OecRunner } from '../src/harness/oec-cli.js';
import { cloneBehaviour, error, gate, heldBy } from './clone-agent.js';
import { CLONE_ENV, createEnv, tenant, waitOp } from './clone-fixtures.js';
import type { Tenant } from './clone-fixtures.js';
import { controllerPerFile, startController, waitFor } from './harness.js';
import type { Controller, Postgres, User } from './harness.js';

let postgres: Postgres;
let ctl: Controller;
let alice: User;
let t: Tenant;
let oec: OecRunner;

controllerPerFile(CLONE_ENV, async (started) => {
  ({ postgres, ctl, alice } = started);
  t = await tenant(ctl, alice);
  oec = oecRunner({ OEC_URL: ctl.url, OEC_TOKEN: alice.token });
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('oec login and listing', () => {
  it('stores URL and token in a 0600 config file that later commands use', async () => {
    const bare = oecRunner();
    const res = await bare(['login', '--url', ctl.url, '--token', alice.token]);
    expect(res.code, res.stderr).toBe(0);
    const path = join(bare.home, '.config', 'oec', 'config.json');
    expect(res.lines).toEqual([`Logged in to ${ctl.url} (1 project); saved to ${path} (mode 0600)`]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(res.stdout + res.stderr).not.toContain(alice.token);
    const servers = await bare(['servers']);
    expect(servers.code).toBe(0);
    expect(servers.lines[0]).toMatch(/^NAME\s+STATUS\s+CLONES\s+ID$/);
    expect(servers.lines[1]).toContain(t.serverId);
  });

  it('refuses a bad token with exit 3 and the API code on stderr', async () => {
    const res = await oecRunner()(['login', '--url', ctl.url, '--token', 'not-a-jwt']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^oec: UNAUTHENTICATED: /);
    expect(res.stdout).toBe('');
  });

  it('lists environments of the only project, and --json parses with the shared schemas', async () => {
    const table = await oec(['envs']);
    expect(table.code).toBe(0);
    expect(table.lines[0]).toMatch(/^NAME\s+TYPE\s+STATUS\s+URL\s+ID$/);
    expect(table.lines.some((l) => l.startsWith('production') && l.includes(t.source.id))).toBe(true);
    const json = await oec(['--json', 'envs', '--project', t.project.name]);
    expect(listOf(environmentSchema).parse(JSON.parse(json.stdout)).items.map((e) => e.name)).toContain('production');
    const servers = await oec(['servers', '--json']);
    expect(listOf(serverSchema).parse(JSON.parse(servers.stdout)).items[0]?.id).toBe(t.serverId);
  });

  it('answers exit 4 for unknown names and ids, 2 for malformed input', async () => {
    const env = await oec(['clone', 'nope', '--name', 'x']);
    expect(env.code).toBe(4);
    expect(env.stderr).toBe(`oec: ENVIRONMENT_NOT_FOUND: No environment named nope in project ${t.project.name}\n`);
    const op = await oec(['status', '6f1c1b52-3c1e-4a57-9c39-2f2a0f0f0f0f']);
    expect(op.code).toBe(4);
    expect(op.stderr).toMatch(/^oec: CLONE_NOT_FOUND: /);
    expect((await oec(['status', 'abc'])).code).toBe(2);
    expect((await oec(['clone'])).code).toBe(2);
    const option = await oec(['clone', 'production', '--option', 'anonymize_emails=maybe']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('expected key=on|off');
    const unknown = await oec(['frobnicate']);
    expect(unknown.code).toBe(2);
  });
});

describe('oec clone', () => {
  it('follows a create_new clone to the end, one line per step, then the sanitization summary', async () => {
    const res = await oec(['clone', 'production', '--name', 'cli-staging', '--preset', 'recommended']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    const [requested, what, ...rest] = res.lines;
    expect(requested).toMatch(new RegExp(`^Clone requested: operation ${UUID.source}$`));
    expect(what).toBe('production → cli-staging (create_new, preset recommended)');
    const steps = rest.slice(0, 10);
    steps.forEach((l, i) => expect(l).toMatch(new RegExp(`^\\[${i + 1}/10\\] ${STEPS[i]?.name}: completed \\(\\d\\d:\\d\\d\\)$`)));
    expect(steps).toHaveLength(10);
    const summary = rest.slice(10);
    expect(summary[0]).toMatch(/^Clone completed in \d\d:\d\d: cli-staging is RUNNING at http/);
    expect(summary[1]).toBe('Sanitization (recommended):');
    expect(summary.some((l) => /^ {2}ok {3}Anonymize emails\s+\d+ records$/.test(l))).toBe(true);
    expect(summary.at(-2)).toMatch(/^Total records affected: \d+$/);
    expect(summary.at(-1)).toMatch(/^Proof: passed \(\d+ checks\)$/);

    const id = UUID.exec(requested ?? '')?.[0] ?? '';
    const status = await oec(['status', id]);
    expect(status.code).toBe(0);
    expect(status.lines[0]).toBe(`Operation ${id}: completed`);
    const logs = await oec(['logs', id]);
    expect(logs.code).toBe(0);
    expect(logs.lines.at(-1)).toMatch(/INFO +\[verifying\] Clone completed successfully: cli-staging is RUNNING$/);
    const logsJson = logsResponseSchema.parse(JSON.parse((await oec(['logs', id, '--follow', '--json'])).stdout));
    expect(logsJson.items.length).toBe(logs.lines.length);
  });

  it('prints the operation object with --json, and the estimate without starting anything', async () => {
    const est = await oec(['clone', 'production', '--name', 'cli-est', '--estimate', '--json']);
    expect(est.code, est.stderr).toBe(0);
    expect(estimateSchema.parse(JSON.parse(est.stdout)).source_environment_id).toBe(t.source.id);
    const text = await oec(['clone', 'production', '--estimate', '--preset', 'minimal']);
    expect(text.lines[0]).toMatch(/^Database 47\.7 MB, filestore 19\.1 MB \(120 files\)/);
    expect(text.lines.at(-1)).toMatch(/^Disk: ok/);
    // minimal masks no personal data: the coverage line names what will be copied as it is
    expect(text.lines).toContain(
      'Personal data: 2 columns look like personal data and will be copied as they are: res_partner.email, res_partner.x_studio_nickname',
    );

    const res = await oec(['--json', 'clone', t.source.id, '--name', 'cli-json', '--no-filestore', '--option', 'disable_crons=off']);
    expect(res.code, res.stderr).toBe(0);
    const op = cloneOperationSchema.parse(JSON.parse(res.stdout));
    expect(op).toMatchObject({ status: 'completed', include_filestore: false, target: { name: 'cli-json', status: 'RUNNING' } });
    expect(op.sanitization_options.disable_crons).toBe(false);
    expect(op.progress.steps.filter((s) => s.status === 'skipped').map((s) => s.key)).toEqual(['backing_up_filestore', 'restoring_filestore']);
  });

  it('replaces an environment named with --replace and --confirm', async () => {
    const wrong = await oec(['clone', 'production', '--replace', 'cli-staging', '--confirm', 'nope', '--preset', 'full']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^oec: INVALID_TARGET_CONFIG: .*\(use --confirm with the target's exact name\)\n$/);
    expect((await oec(['clone', 'production', '--replace', 'cli-staging'])).code).toBe(2);
    const res = await oec(['clone', 'production', '--replace', 'cli-staging', '--confirm', 'cli-staging', '--preset', 'full']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.lines[1]).toBe('production → cli-staging (replace, preset full)');
    expect(res.lines.find((l) => l.startsWith('Clone completed'))).toMatch(/cli-staging is RUNNING/);
  });

  it('needs --i-understand-risks for preset none (API 400 → exit 2)', async () => {
    const res = await oec(['clone', 'production', '--name', 'cli-raw', '--preset', 'none']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^oec: INVALID_TARGET_CONFIG: .*risk.*\(use --i-understand-risks\)\n$/i);
  });

  it('answers exit 3 to a viewer (403)', async () => {
    const v = await alice.api.ok<Member>('POST', `/api/v1/organizations/${t.org.id}/members`, { email: 'cli-viewer@example.com', role: 'viewer' });
    const res = await oec(['clone', 'production', '--name', 'cli-viewer'], { OEC_TOKEN: await ctl.tokenFor(v.user_id) });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^oec: PERMISSION_DENIED: /);
  });
});

describe('oec with a failing or held agent', () => {
  it('exits 1 with the failed step and error when the clone fails', async () => {
    const f = await tenant(ctl, alice, { agent: { overrides: { 'clone.data': () => error('RESTORE_FAILED', 'pg_restore exited with 1') } } });
    const res = await oec(['clone', f.source.id, '--name', 'cli-fails']);
    expect(res.code).toBe(1);
    expect(res.lines.find((l) => l.startsWith('Clone failed'))).toMatch(
      /^Clone failed at step \d+\/10 \((backing_up_database|restoring_database)\) in \d\d:\d\d: RESTORE_FAILED: pg_restore exited with 1$/,
    );
    expect(res.lines).toContain('[4/10] Copying Addons: completed (00:00)');
    // RESTORE_FAILED is not transient: the retry is offered (the API accepts it), with the cause to fix first.
    expect(res.lines.at(-1)).toMatch(/^(Cleaning up; then retry|Fix the cause first, then retry) with: oec retry [0-9a-f-]{36}$/);
  });

  it('cancel → wait exits 1; a busy target is exit 5; retry starts a new operation', async () => {
    const hold = gate();
    const h = await tenant(ctl, alice, { agent: { overrides: { 'clone.data': heldBy(hold) } } });
    const other = await createEnv(h, { name: 'qa' });
    const started = await oec(['--project', h.project.id, 'clone', 'production', '--name', 'cli-held', '--no-wait']);
    expect(started.code, started.stderr).toBe(0);
    const id = UUID.exec(started.lines[0] ?? '')?.[0] ?? '';
    await waitFor(async () => (await oec(['status', id])).lines[2]?.includes('backing_up_database'), 'the data step');

    // The held operation's source is busy for a replace of it.
    const busy = await oec(['--project', h.project.id, 'clone', 'qa', '--replace', 'production', '--confirm', 'production', '--preset', 'full']);
    expect(busy.code, busy.stderr).toBe(5);
    expect(busy.stderr).toMatch(/^oec: ENVIRONMENT_BUSY: /);

    const cancel = await oec(['cancel', id]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.lines).toEqual([`Clone operation cancelled successfully: ${id}`]);
    hold.open();
    const waited = await oec(['wait', id]);
    expect(waited.code).toBe(1);
    expect(waited.lines.at(-2)).toMatch(/^Clone cancelled in \d\d:\d\d; cleanup (pending|done)$/);
    // The retry hint follows the API's error.retryable: accepted once the cleanup is over.
    expect(waited.lines.at(-1)).toMatch(new RegExp(`^(Cleaning up; then retry|Retry) with: oec retry ${id}$`));
    await waitOp(alice.api, id);
    const retried = await oec(['retry', id]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.lines[0]).toMatch(new RegExp(`^Retry requested: operation ${UUID.source} \\(retry of ${id}\\)$`));
    expect(other.name).toBe('qa');
  });

  it.skipIf(!existsSync('/usr/bin/script'))('draws one progress line in place on a terminal, within 80 columns', async () => {
    const hold = gate();
    const normal = cloneBehaviour();
    const h = await tenant(ctl, alice, {
      agent: {
        overrides: {
          'clone.data': async (task, agent) => {
            await hold.wait;
            return normal(task, agent);
          },
        },
      },
    });
    const started = await oec(['--project', h.project.id, 'clone', 'production', '--name', 'cli-tty', '--no-wait']);
    const id = UUID.exec(started.lines[0] ?? '')?.[0] ?? '';
    // script(1) gives the CLI a pseudo-terminal: stdout.isTTY is true there.
    const env = { PATH: process.env.PATH ?? '', HOME: oec.home, OEC_URL: ctl.url, OEC_TOKEN: alice.token, OEC_POLL_MS: '100' };
    const run = new Promise<{ code: number; out: string }>((resolve) => {
      execFile('/usr/bin/script', ['-qfec', `${process.execPath} ${OEC_MAIN} wait ${id}`, '/dev/null'], { env }, (err, stdout) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout }),
      );
    });
    await new Promise((r) => setTimeout(r, 800));
    hold.open();
    const { code, out } = await run;
    expect(code).toBe(0);
    const frames = out.split(/\r\x1b\[K|\r?\n/).filter((f) => f.trim() !== '');
    const progress = frames.filter((f) => /^\[[#.]{12}\] \d+\/10 /.test(f));
    expect(progress.length).toBeGreaterThan(0);
    for (const f of progress) {
      expect(f.length).toBeLessThanOrEqual(80);
      expect(f).toMatch(/ \d+\.\d% \d\d:\d\d ETA (\d\d:\d\d|--:--)$/);
    }
    expect(out).toContain('\r\x1b[K');
    expect(frames).toContain('[10/10] Verifying: completed (00:00)');
    expect(frames.some((f) => f.startsWith('Clone completed in '))).toBe(true);
  });

  it('answers exit 5 when rate limited (429), with the retry delay', async () => {
    const limited = await startController(postgres, { OEC_RATE_LIMIT_PER_MINUTE: '1' });
    try {
      const u = await limited.createUser('limited@example.com');
      const run = oecRunner({ OEC_URL: limited.url, OEC_TOKEN: u.token });
      const opId = '6f1c1b52-3c1e-4a57-9c39-2f2a0f0f0f0f';
      expect((await run(['cancel', opId])).code).toBe(4);
      const res = await run(['cancel', opId]);
      expect(res.code).toBe(5);
      expect(res.stderr).toMatch(/^oec: RATE_LIMIT_EXCEEDED: .*retry in \d+ s\n$/);
    } finally {
      await limited.close();
    }
  });
});
