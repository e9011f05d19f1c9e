import { describe, expect, it } from 'vitest';
import { CONTROLLER_LOCK_KEY, describeDatabase, takenMessage } from './controller-lock.js';

describe('controller lock messages', () => {
  it('name the database without its password or query', () => {
    const url = 'postgresql://oec:s3cret-pw@db.example.com:5433/oec_prod?sslmode=require&password=other-pw';
    expect(describeDatabase(url)).toBe('database "oec_prod" on db.example.com:5433');
    const message = takenMessage(url, { pid: 42, application_name: 'oec-controller a pid 7', client: '10.0.0.2', backend_start: null }, 15_000);
    expect(message).toMatch(/^another controller is running against this database \(database "oec_prod" on db.example.com:5433; PostgreSQL session 42/);
    expect(message).toContain('waited 15 s');
    expect(message).not.toMatch(/s3cret|other-pw/);
    expect(describeDatabase('not a url s3cret')).toBe('the configured database');
  });

  it('uses one fixed signed 64-bit key', () => {
    const key = BigInt(CONTROLLER_LOCK_KEY);
    expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true);
    expect(CONTROLLER_LOCK_KEY).toBe(BigInt.asIntN(64, key).toString());
  });
});
