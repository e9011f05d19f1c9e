// Issue 20, finding 4: a frozen progress bar. A large sanitizing step showed 0 % and the same ETA
// for minutes while one UPDATE of mail_message ran. Here the source gets tens of thousands of
// messages quoting customers' addresses and phone numbers, the clone takes the SQL data path
// (OEC_CLONE_DATA_PATH=dump_restore: the personal options rewrite every table in SQL) and the
// agent splits tables over 5,000 rows into ranges of about 1,000; the operation, polled as a
// client does (REST, every 250 ms), must show the sanitizing step's percent moving at least every
// 10 s while it runs, say what it works on, and end at 100 %.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneOperation, Environment, StepState } from '@oec/shared';
import { currentWorkLine } from '@oec/shared';
import { clusterClientConfig, clusterOf, createSeededSource, getOperation, startPlatform, TERMINAL, type AgentHandle, type Platform } from '../src/harness/index.js';

const MESSAGES = 60_000;
/** The longest the step's percent may stay the same while the step runs. */
const STILL_LIMIT_MS = 10_000;

async function addMessages(source: Environment, n: number): Promise<void> {
  const c = new pg.Client(clusterClientConfig(clusterOf(source), source.database_name));
  await c.connect();
  try {
    // every message quotes one partner's address and phone (the partners the generator made)
    await c.query(
      `WITH p AS (SELECT array_agg(email ORDER BY id) AS emails, array_agg(coalesce(phone, '') ORDER BY id) AS phones
                    FROM res_partner WHERE email LIKE '%@%')
       INSERT INTO mail_message (message_type, model, res_id, email_from, body, date, create_date, write_date)
       SELECT 'comment', 'res.partner', g, p.emails[1 + g % array_length(p.emails, 1)],
              '<p>Please write to ' || p.emails[1 + (g * 7) % array_length(p.emails, 1)] || ' or call ' ||
              p.phones[1 + (g * 7) % array_length(p.phones, 1)] || ' about order S' || g || '.</p>',
              now(), now(), now()
         FROM generate_series(1, $1::int) g, p`,
      [n],
    );
    await c.query('ANALYZE mail_message');
  } finally {
    await c.end();
  }
}

interface Watch {
  final: CloneOperation;
  /** Polls that saw the step running. */
  running: number;
  /** Distinct percents the running step showed. */
  percents: Set<number>;
  /** The longest the running step's percent stayed the same (ms). */
  longestStill: number;
  /** Where it stood still longest: the percent and what the step said it worked on. */
  stillAt: string;
  lines: Set<string>;
  etas: Set<number>;
  overall: number[];
}

/** Poll the operation every 250 ms until it ends, timing how long the sanitizing percent stands still. */
async function watch(platform: Platform, id: string, timeoutMs: number): Promise<Watch> {
  const w: Omit<Watch, 'final'> = { running: 0, percents: new Set(), longestStill: 0, stillAt: '', lines: new Set(), etas: new Set(), overall: [] };
  let last: { percent: number; since: number; line: string | null } | null = null;
  const still = (now: number, line: string | null): void => {
    if (!last || now - last.since <= w.longestStill) return;
    w.longestStill = now - last.since;
    w.stillAt = `${last.percent} % (${last.line ?? '-'} … ${line ?? '-'})`;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const op = await getOperation(platform.api, id);
    const now = Date.now();
    const step: StepState | undefined = op.progress.steps.find((s) => s.key === 'sanitizing');
    w.overall.push(op.progress.progress_percent);
    if (step?.status === 'in_progress') {
      w.running++;
      w.percents.add(step.progress_percent);
      const line = currentWorkLine(step.detail);
      if (line) w.lines.add(line);
      if (op.progress.eta_seconds !== null) w.etas.add(op.progress.eta_seconds);
      if (!last || last.percent !== step.progress_percent) last = { percent: step.progress_percent, since: now, line };
      still(now, line);
    } else if (last) {
      // the step ended: the last stretch counts until now
      still(now, 'ended');
      last = null;
    }
    if (TERMINAL.has(op.status) && op.cleanup !== 'pending') return { ...w, final: op };
    if (now > deadline) throw new Error(`clone ${id} still ${op.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('progress of a long sanitizing step', () => {
  let platform: Platform;
  let a: AgentHandle;
  let source: Environment;

  beforeAll(async () => {
    platform = await startPlatform({ controllerEnv: { OEC_CLONE_DATA_PATH: 'dump_restore' } });
    a = await platform.addServer('a', { OEC_SANITIZE_BATCH_ROWS: '1000', OEC_SANITIZE_SPLIT_ROWS: '5000' });
    ({ source } = await createSeededSource(platform, a));
    await addMessages(source, MESSAGES);
  });

  afterAll(async () => {
    await platform?.close();
  });

  it('moves at least every 10 s, says what it works on, and ends at 100 %', async () => {
    const res = await platform.api.post<CloneOperation>(`/environments/${source.id}/clone`, {
      target: { create_new: true, environment_type: 'staging', name: 'stage-progress' },
      sanitization_preset: 'recommended',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const w = await watch(platform, res.body.id, 900_000);
    expect(w.final.status, JSON.stringify(w.final.error)).toBe('completed');
    expect(w.final.proof?.passed).toBe(true);
    const step = w.final.progress.steps.find((s) => s.key === 'sanitizing');
    expect(step?.status).toBe('completed');
    expect(step?.progress_percent).toBe(100);
    expect(w.final.progress.progress_percent).toBe(100);
    // the step ran long enough to be looked at many times, and its bar moved through it
    expect(w.running, 'sanitizing was never seen running').toBeGreaterThan(8);
    expect(w.percents.size).toBeGreaterThan(3);
    expect(w.longestStill, `sanitizing stood still for ${w.longestStill} ms at ${w.stillAt}`).toBeLessThanOrEqual(STILL_LIMIT_MS);
    // what it works on: mail_message, rows done of the estimate
    expect([...w.lines].some((l) => /^\w+ · mail_message [\d,]+ \/ [\d,]+ rows$/.test(l)), [...w.lines].join('\n')).toBe(true);
    // the ETA follows the measured rate instead of standing at one figure
    expect(w.etas.size).toBeGreaterThan(1);
    for (let i = 1; i < w.overall.length; i++) expect(w.overall[i]).toBeGreaterThanOrEqual(w.overall[i - 1] ?? 0);
  }, 1_000_000);
});
