// The task registry when an abort or a shutdown lands while the task row is being inserted:
// the task must still settle (CANCELLED / AGENT_LOST), never wait forever. And secrets in
// outputs never reach the task row.
import { describe, expect, it } from 'vitest';
import type { QueryResult, QueryResultRow } from 'pg';
import { AppError, resolveSanitization } from '@oec/shared';
import type { Queryable } from '../db/pool.js';
import { createTaskRegistry, redactInput, redactSecrets } from './tasks.js';
import { createSealer } from '../db/seal.js';

const SEAL_SECRET = 'a-test-secret-of-at-least-32-characters!';

const SERVER = '5b0c2d4e-6f70-4a81-92a3-b4c5d6e7f809';
const REF = { environment_id: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', db_name: 'oec_x' };

/** A database whose task INSERT waits until released. */
function slowInsertDb(): Queryable & { release(): void } {
  let release: () => void = () => undefined;
  const inserted = new Promise<void>((r) => (release = r));
  return {
    release: () => release(),
    async query<R extends QueryResultRow>(text: string): Promise<QueryResult<R>> {
      if (text.startsWith('INSERT INTO tasks')) await inserted;
      return { command: '', rowCount: 1, oid: 0, fields: [], rows: [] };
    },
  };
}

function registry(db: Queryable) {
  let n = 0;
  return createTaskRegistry({
    db,
    clock: { now: () => new Date() },
    ids: { uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` },
    graceMs: 60_000,
    serial: (_id, fn) => void fn(),
    route: () => undefined,
    sealer: createSealer(SEAL_SECRET),
  });
}

const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof AppError ? e.code : String(e)));

describe('task registry races', () => {
  it('settles a task aborted while its row was being inserted', async () => {
    const db = slowInsertDb();
    const ac = new AbortController();
    const run = registry(db).run(SERVER, 'env.inspect', REF, { fence: { operation_id: null, attempt: 0 }, signal: ac.signal });
    ac.abort();
    db.release();
    expect(await code(run)).toBe('CANCELLED');
  });

  it('settles a task whose registry shut down while its row was being inserted', async () => {
    const db = slowInsertDb();
    const tasks = registry(db);
    const run = tasks.run(SERVER, 'env.inspect', REF, { fence: { operation_id: null, attempt: 0 } });
    tasks.failAll('AGENT_LOST', 'controller shutting down');
    db.release();
    expect(await code(run)).toBe('AGENT_LOST');
  });

  it('redacts one-time secrets from stored outputs', () => {
    expect(redactSecrets({ generated_password: 'x', proof: 1 })).toEqual({ generated_password: '[redacted]', proof: 1 });
    expect(redactSecrets({ generated_password: null })).toEqual({ generated_password: null });
    expect(redactSecrets([1])).toEqual([1]);
  });

  it('keeps transfer ticket secrets out of the task row, while the frame to the agent carries them', async () => {
    const inserted: unknown[] = [];
    const sealedFrames: string[] = [];
    const frames: string[] = [];
    const db: Queryable = {
      async query<R extends QueryResultRow>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
        if (text.startsWith('INSERT INTO tasks')) {
          inserted.push(JSON.parse(String(params?.[4])));
          sealedFrames.push(String(params?.[7]));
        }
        return { command: '', rowCount: 1, oid: 0, fields: [], rows: [] };
      },
    };
    let n = 0;
    const tasks = createTaskRegistry({
      db,
      clock: { now: () => new Date() },
      ids: { uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` },
      graceMs: 60_000,
      serial: (_id, fn) => void fn(),
      route: () => ({ run: (_id, frame) => void frames.push(frame), cancel: () => undefined }),
      sealer: createSealer(SEAL_SECRET),
    });
    const secret = 'S'.repeat(43);
    const op = '0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d';
    const input = {
      operation_id: op,
      mode: 'create_new',
      source: { ...REF, status: 'RUNNING' },
      target: { ...REF, name: 't', domain: 't.example.com', odoo_version: '17.0', addons: [] },
      work_db: 'oec_x',
      retained_db: null,
      include_filestore: true,
      compress: false,
      sanitization: { preset: 'minimal', options: resolveSanitization('minimal'), base_url: 'https://t', salt: 'x'.repeat(16) },
      transfer: {
        codec: 'none',
        tickets: [{ stream: 'database', ticket: secret }],
        peer: { server_name: 'b', url: 'wss://b:8443', certificate: 'PEM', fingerprint: 'AA' },
      },
    };
    expect(redactInput(input)).toMatchObject({ transfer: { tickets: [{ stream: 'database', ticket: '[redacted]' }] } });
    const ac = new AbortController();
    const run = tasks.run(SERVER, 'clone.send', input, { fence: { operation_id: op, attempt: 1 }, signal: ac.signal });
    for (let i = 0; i < 500 && frames.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    expect(await code(run)).toBe('CANCELLED');
    expect(JSON.stringify(inserted)).not.toContain(secret);
    expect(JSON.stringify(inserted)).toContain('[redacted]');
    expect(frames.some((f) => f.includes(secret))).toBe(true);
    // the frame the row keeps for a relay or a takeover is sealed: the ticket is not readable
    const sealed = sealedFrames[0] ?? '';
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(sealed).not.toContain(secret);
    expect(createSealer(SEAL_SECRET).open(sealed)).toContain(secret);
  });
});
