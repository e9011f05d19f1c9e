import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, ERROR_META, ErrorCode, validationError } from './errors.js';
import { agentMessageSchema, parseFrame } from './wire.js';

describe('errors', () => {
  it('maps the seed codes to their HTTP statuses', () => {
    expect(ERROR_META.INVALID_SOURCE_STATUS.http).toBe(400);
    expect(ERROR_META.INSUFFICIENT_DISK_SPACE.http).toBe(400);
    expect(ERROR_META.QUOTA_EXCEEDED.http).toBe(400);
    expect(ERROR_META.INVALID_TARGET_CONFIG.http).toBe(400);
    expect(ERROR_META.CANNOT_CANCEL.http).toBe(400);
    expect(ERROR_META.PERMISSION_DENIED.http).toBe(403);
    expect(ERROR_META.ENVIRONMENT_NOT_FOUND.http).toBe(404);
    expect(ERROR_META.SERVER_NOT_FOUND.http).toBe(404);
    expect(ERROR_META.CLONE_NOT_FOUND.http).toBe(404);
    expect(ERROR_META.RATE_LIMIT_EXCEEDED.http).toBe(429);
    expect(ERROR_META.UNAUTHENTICATED.http).toBe(401);
    expect(ERROR_META.ENVIRONMENT_BUSY.http).toBe(409);
    expect(Object.keys(ERROR_META).sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it('renders the error body and field-level validation messages', () => {
    const e = new AppError('QUOTA_EXCEEDED', 'need 2 GB RAM', { resource: 'ram_gb' });
    expect(e.toBody()).toEqual({ error: { code: 'QUOTA_EXCEEDED', message: 'need 2 GB RAM', details: { resource: 'ram_gb' } } });
    const parsed = z.object({ name: z.string() }).safeParse({ name: 3 });
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      const v = validationError(parsed.error);
      expect(v.code).toBe('VALIDATION_ERROR');
      expect(v.message).toContain('name');
      expect(v.details).toEqual({ fields: [{ path: 'name', message: expect.any(String) as string }] });
    }
  });

  it('parses wire frames once and rejects garbage', () => {
    expect(parseFrame(agentMessageSchema, 'not json')).toBeNull();
    expect(parseFrame(agentMessageSchema, '{"type":"nope"}')).toBeNull();
    const hb = parseFrame(
      agentMessageSchema,
      JSON.stringify({ type: 'heartbeat', disk_free_bytes: 1, disk_total_bytes: 2, running_tasks: [] }),
    );
    expect(hb?.type).toBe('heartbeat');
  });
});
