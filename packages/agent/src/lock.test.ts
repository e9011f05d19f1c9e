import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from './lock.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lockDataDir', () => {
  it('takes the lock, refuses a second holder while a live node process holds it, and releases', async () => {
    dir = mkdtempSync(join(tmpdir(), 'oec-lock-'));
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'agent.pid'), `${other.pid}\n`);
      await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    // The holder is gone: its lock is stale and taken over.
    const lock = await lockDataDir(dir);
    await lock.release();
    expect(existsSync(join(dir, 'agent.pid'))).toBe(false);
  });

  it('takes over a lock with garbage in it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'oec-lock-'));
    writeFileSync(join(dir, 'agent.pid'), 'garbage');
    const lock = await lockDataDir(dir);
    await lock.release();
  });
});
