import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes JSON lines and redacts secrets by field name', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('info', sink);
    log.info({ token: 'tok-1', config: { token: 'tok-2', db: { password: 'pw-3' } }, headers: { authorization: 'Bearer x' } }, 'agent connected');
    const out = lines.join('');
    expect(out).not.toMatch(/tok-1|tok-2|pw-3|Bearer x/);
    const entry = JSON.parse(out) as { msg: string; token: string };
    expect(entry.msg).toBe('agent connected');
    expect(entry.token).toBe('[redacted]');
  });
});
