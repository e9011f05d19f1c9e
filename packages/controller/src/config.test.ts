import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

const base = { OEC_DATABASE_URL: 'postgresql://u@127.0.0.1:5432/oec', OEC_JWT_SECRET: 's'.repeat(32) };

describe('parseConfig', () => {
  it('applies defaults', () => {
    expect(parseConfig(base)).toEqual({
      databaseUrl: base.OEC_DATABASE_URL,
      jwtSecret: base.OEC_JWT_SECRET,
      host: '127.0.0.1',
      port: 8080,
      baseDomain: 'apps.localhost',
      heartbeatIntervalMs: 5000,
      heartbeatMisses: 3,
      rateLimitPerMinute: 60,
      cloneRateLimitPerMinute: 10,
      replaceRetentionHours: 24,
      cloneSweepIntervalMs: 5000,
      logLevel: 'info',
      cloneDataPath: 'auto',
      notifications: {
        smtpUrl: null,
        smtpFrom: 'OEC <noreply@oec.localhost>',
        publicUrl: null,
        webhookAllowPrivate: false,
        intervalMs: 2000,
        retryBaseMs: 5000,
        maxAttempts: 10,
      },
      operationLeaseMs: 15_000,
    });
  });

  it('reads how long serve waits for another controller, and refuses a negative wait', () => {
    expect(parseConfig({ ...base, OEC_OPERATION_LEASE_MS: '2000' }).operationLeaseMs).toBe(2000);
    expect(() => parseConfig({ ...base, OEC_OPERATION_LEASE_MS: '-1' })).toThrow(ConfigError);
  });

  it('reads the clone data path and refuses unknown ones', () => {
    expect(parseConfig({ ...base, OEC_CLONE_DATA_PATH: 'auto' }).cloneDataPath).toBe('auto');
    expect(() => parseConfig({ ...base, OEC_CLONE_DATA_PATH: 'rsync' })).toThrow(ConfigError);
  });

  it('reads the notification settings', () => {
    const c = parseConfig({
      ...base,
      OEC_SMTP_URL: 'smtps://u:p@mail.example.com:465',
      OEC_PUBLIC_URL: 'https://dash.example.com/',
      OEC_WEBHOOK_ALLOW_PRIVATE: '1',
    });
    expect(c.notifications).toMatchObject({ smtpUrl: 'smtps://u:p@mail.example.com:465', publicUrl: 'https://dash.example.com', webhookAllowPrivate: true });
    expect(() => parseConfig({ ...base, OEC_SMTP_URL: 'http://mail' })).toThrow(/OEC_SMTP_URL/);
  });

  it('reads and coerces every variable; empty means unset', () => {
    const c = parseConfig({
      ...base,
      OEC_HOST: '0.0.0.0',
      OEC_PORT: '0',
      OEC_BASE_DOMAIN: 'Apps.Example.COM',
      OEC_HEARTBEAT_INTERVAL_MS: '250',
      OEC_HEARTBEAT_MISSES: '5',
      OEC_RATE_LIMIT_PER_MINUTE: '7',
      OEC_CLONE_RATE_LIMIT_PER_MINUTE: '2',
      OEC_REPLACE_RETENTION_HOURS: '0.5',
      OEC_CLONE_SWEEP_INTERVAL_MS: '100',
      OEC_LOG_LEVEL: 'silent',
      OEC_UNRELATED: 'x',
    });
    expect(c).toMatchObject({ host: '0.0.0.0', port: 0, baseDomain: 'apps.example.com', heartbeatIntervalMs: 250 });
    expect(c).toMatchObject({ heartbeatMisses: 5, rateLimitPerMinute: 7, cloneRateLimitPerMinute: 2, logLevel: 'silent' });
    expect(c).toMatchObject({ replaceRetentionHours: 0.5, cloneSweepIntervalMs: 100 });
    expect(parseConfig({ ...base, OEC_PORT: '' }).port).toBe(8080);
  });

  it('lists every problem in one readable error', () => {
    let err: unknown;
    try {
      parseConfig({ OEC_JWT_SECRET: 'short', OEC_PORT: '70000', OEC_BASE_DOMAIN: 'not a domain' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/OEC_DATABASE_URL: is required/);
    expect(problems).toMatch(/OEC_JWT_SECRET: must be at least 32 characters/);
    expect(problems).toMatch(/OEC_PORT/);
    expect(problems).toMatch(/OEC_BASE_DOMAIN/);
  });
});
