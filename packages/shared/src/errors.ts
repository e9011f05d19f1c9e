// The closed set of error codes, their HTTP statuses and retryability, and the one error type.
//
// API errors (answered synchronously) and operation failure codes (recorded on a failed clone)
// share one table so that a new code does not compile until it is mapped.
import { z } from 'zod';

export const ErrorCode = {
  VALIDATION_ERROR: 'VALIDATION_ERROR',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  NOT_FOUND: 'NOT_FOUND',
  ORGANIZATION_NOT_FOUND: 'ORGANIZATION_NOT_FOUND',
  PROJECT_NOT_FOUND: 'PROJECT_NOT_FOUND',
  ENVIRONMENT_NOT_FOUND: 'ENVIRONMENT_NOT_FOUND',
  SERVER_NOT_FOUND: 'SERVER_NOT_FOUND',
  CLONE_NOT_FOUND: 'CLONE_NOT_FOUND',
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  CONFLICT: 'CONFLICT',
  ENVIRONMENT_BUSY: 'ENVIRONMENT_BUSY',
  INVALID_SOURCE_STATUS: 'INVALID_SOURCE_STATUS',
  INVALID_ENVIRONMENT_STATUS: 'INVALID_ENVIRONMENT_STATUS',
  INSUFFICIENT_DISK_SPACE: 'INSUFFICIENT_DISK_SPACE',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  INVALID_TARGET_CONFIG: 'INVALID_TARGET_CONFIG',
  CANNOT_CANCEL: 'CANNOT_CANCEL',
  CANNOT_RETRY: 'CANNOT_RETRY',
  RATE_LIMIT_EXCEEDED: 'RATE_LIMIT_EXCEEDED',
  SERVER_UNREACHABLE: 'SERVER_UNREACHABLE',
  // Failure codes of a clone operation or agent task.
  SOURCE_UNREACHABLE: 'SOURCE_UNREACHABLE',
  TRANSFER_FAILED: 'TRANSFER_FAILED',
  RESTORE_FAILED: 'RESTORE_FAILED',
  DISK_FULL: 'DISK_FULL',
  SANITIZATION_FAILED: 'SANITIZATION_FAILED',
  PROOF_FAILED: 'PROOF_FAILED',
  VERIFICATION_FAILED: 'VERIFICATION_FAILED',
  AGENT_LOST: 'AGENT_LOST',
  CANCELLED: 'CANCELLED',
  TASK_FAILED: 'TASK_FAILED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export const errorCodeSchema = z.nativeEnum(ErrorCode);

export interface ErrorMeta {
  /** HTTP status when the code answers a request. */
  http: 400 | 401 | 403 | 404 | 409 | 429 | 500 | 502 | 503;
  /** Whether repeating the same action may succeed without changing anything. */
  retryable: boolean;
}

export const ERROR_META: Record<ErrorCode, ErrorMeta> = {
  VALIDATION_ERROR: { http: 400, retryable: false },
  UNAUTHENTICATED: { http: 401, retryable: false },
  PERMISSION_DENIED: { http: 403, retryable: false },
  NOT_FOUND: { http: 404, retryable: false },
  ORGANIZATION_NOT_FOUND: { http: 404, retryable: false },
  PROJECT_NOT_FOUND: { http: 404, retryable: false },
  ENVIRONMENT_NOT_FOUND: { http: 404, retryable: false },
  SERVER_NOT_FOUND: { http: 404, retryable: false },
  CLONE_NOT_FOUND: { http: 404, retryable: false },
  USER_NOT_FOUND: { http: 404, retryable: false },
  CONFLICT: { http: 409, retryable: false },
  ENVIRONMENT_BUSY: { http: 409, retryable: true },
  INVALID_SOURCE_STATUS: { http: 400, retryable: false },
  INVALID_ENVIRONMENT_STATUS: { http: 400, retryable: false },
  INSUFFICIENT_DISK_SPACE: { http: 400, retryable: false },
  QUOTA_EXCEEDED: { http: 400, retryable: false },
  INVALID_TARGET_CONFIG: { http: 400, retryable: false },
  CANNOT_CANCEL: { http: 400, retryable: false },
  CANNOT_RETRY: { http: 400, retryable: false },
  RATE_LIMIT_EXCEEDED: { http: 429, retryable: true },
  SERVER_UNREACHABLE: { http: 503, retryable: true },
  SOURCE_UNREACHABLE: { http: 502, retryable: true },
  TRANSFER_FAILED: { http: 502, retryable: true },
  RESTORE_FAILED: { http: 500, retryable: false },
  DISK_FULL: { http: 500, retryable: false },
  SANITIZATION_FAILED: { http: 500, retryable: false },
  PROOF_FAILED: { http: 500, retryable: false },
  VERIFICATION_FAILED: { http: 500, retryable: true },
  AGENT_LOST: { http: 503, retryable: true },
  CANCELLED: { http: 400, retryable: true },
  TASK_FAILED: { http: 500, retryable: false },
  INTERNAL: { http: 500, retryable: true },
};

/** Why a clone target was refused (`details.reason` of INVALID_TARGET_CONFIG). */
export const TargetConfigReason = {
  NAME_TAKEN: 'NAME_TAKEN',
  INVALID_NAME: 'INVALID_NAME',
  INVALID_DOMAIN: 'INVALID_DOMAIN',
  DOMAIN_TAKEN: 'DOMAIN_TAKEN',
  CONFIRMATION_MISMATCH: 'CONFIRMATION_MISMATCH',
  RISK_NOT_ACKNOWLEDGED: 'RISK_NOT_ACKNOWLEDGED',
  SAME_AS_SOURCE: 'SAME_AS_SOURCE',
  OTHER_PROJECT: 'OTHER_PROJECT',
  SERVER_UNREACHABLE: 'SERVER_UNREACHABLE',
  PG_INCOMPATIBLE: 'PG_INCOMPATIBLE',
  ODOO_VERSION_MISMATCH: 'ODOO_VERSION_MISMATCH',
  PRESET_REQUIRED: 'PRESET_REQUIRED',
  REQUIRED_OPTION: 'REQUIRED_OPTION',
  /** The project is strict and a column that looks personal is covered by no option. */
  UNCOVERED_PERSONAL_DATA: 'UNCOVERED_PERSONAL_DATA',
} as const;
export type TargetConfigReason = (typeof TargetConfigReason)[keyof typeof TargetConfigReason];

/**
 * What the COPY-level data path (issue 13) refuses to carry, up front and never by dropping it
 * silently (`details.reason` of RESTORE_FAILED, with `details.objects` naming what was found).
 */
export const CopyPathRefusal = {
  /** pg_largeobject_metadata is not empty: large objects are not copied row by row. */
  LARGE_OBJECTS: 'COPY_PATH_LARGE_OBJECTS',
  /** An extension marks configuration tables whose rows pg_dump would carry. */
  EXTENSION_CONFIG_DATA: 'COPY_PATH_EXTENSION_CONFIG_DATA',
} as const;
export type CopyPathRefusal = (typeof CopyPathRefusal)[keyof typeof CopyPathRefusal];

/** The JSON body of every error response: `{error:{code,message,details}}`. */
export const errorBodySchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string(),
    details: z.record(z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** A field-level validation problem (VALIDATION_ERROR `details.fields`). */
export const fieldErrorSchema = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof fieldErrorSchema>;

/** The one error type thrown across the code base; mapped to HTTP by the controller's onError. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get http(): ErrorMeta['http'] {
    return ERROR_META[this.code].http;
  }

  get retryable(): boolean {
    return ERROR_META[this.code].retryable;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Turn zod issues into the VALIDATION_ERROR field list. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

export function validationError(error: z.ZodError, what = 'Request'): AppError {
  const fields = fieldErrors(error);
  const first = fields[0];
  const summary = first ? `${first.path}: ${first.message}` : 'invalid input';
  return new AppError(ErrorCode.VALIDATION_ERROR, `${what} is invalid: ${summary}`, { fields });
}
