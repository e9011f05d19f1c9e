import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { asStepError, fileHooks, NO_HOOKS, staticHooks } from './context.js';

describe('clone test hooks', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('are off by default and re-read from their file at each call', async () => {
    expect(NO_HOOKS().faults.size).toBe(0);
    dir = await mkdtemp(join(tmpdir(), 'oec-hooks-'));
    const file = join(dir, 'hooks.json');
    const hooks = fileHooks(file);
    expect(hooks().faults.size).toBe(0);
    await writeFile(file, JSON.stringify({ faults: ['sanitizing'], step_delay_ms: 50 }));
    expect([...hooks().faults]).toEqual(['sanitizing']);
    expect(hooks().stepDelayMs).toBe(50);
    await writeFile(file, 'not json');
    expect(hooks().faults.size).toBe(0);
    expect([...staticHooks(['verifying:start'])().faults]).toEqual(['verifying:start']);
  });

  it('maps a plain error to the failure code of its step', () => {
    expect(asStepError('restoring_database', new Error('boom')).code).toBe('RESTORE_FAILED');
    expect(asStepError('sanitizing', 'x').code).toBe('SANITIZATION_FAILED');
    expect(asStepError('copying_addons', new Error('x')).code).toBe('TRANSFER_FAILED');
  });
});
