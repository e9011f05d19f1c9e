import { describe, expect, it } from 'vitest';
import { AppError } from '@oec/shared';
import { keepsTarget, operationError } from './fail.js';

describe('operation errors', () => {
  it('keeps failure codes, maps others to the step’s code, and takes the step from the details', () => {
    expect(operationError(new AppError('AGENT_LOST', 'gone'), 'copying_addons')).toEqual({
      code: 'AGENT_LOST',
      step: 'copying_addons',
      message: 'gone',
      details: null,
      retryable: true,
    });
    expect(operationError(new AppError('TASK_FAILED', 'bad output'), 'sanitizing')).toMatchObject({
      code: 'SANITIZATION_FAILED',
      details: { cause_code: 'TASK_FAILED' },
    });
    expect(operationError(new AppError('RESTORE_FAILED', 'x', { step: 'restoring_filestore' }), 'backing_up_database').step).toBe(
      'restoring_filestore',
    );
    expect(operationError(new Error('boom'), 'verifying')).toMatchObject({ code: 'VERIFICATION_FAILED', message: 'Internal error in the controller' });
  });

  it('keeps a create_new target only when just the app failed', () => {
    const app = operationError(new AppError('VERIFICATION_FAILED', 'x', { app_failed: true }), 'verifying');
    const files = operationError(new AppError('VERIFICATION_FAILED', 'x', { missing: ['a'] }), 'verifying');
    expect(keepsTarget({ mode: 'create_new' }, app)).toBe(true);
    expect(keepsTarget({ mode: 'replace' }, app)).toBe(false);
    expect(keepsTarget({ mode: 'create_new' }, files)).toBe(false);
  });
});
