// The REST surface as data for the OpenAPI document: every route the Hono app serves under
// /api/v1 with the schemas its handler reads and answers (the same objects the handlers use, so
// the document cannot drift from the code) and the error codes it may answer.
import { z } from 'zod';
import {
  authUserSchema,
  cancelResponseSchema,
  cloneOperationSchema,
  createServerResponseSchema,
  createWebhookResponseSchema,
  createWebhookSchema,
  environmentSchema,
  ErrorCode,
  estimateSchema,
  inviteLinkRequestSchema,
  inviteLinkSchema,
  linkExchangeSchema,
  listOf,
  loginSchema,
  logsResponseSchema,
  memberSchema,
  notificationPreferencesSchema,
  organizationSchema,
  projectSchema,
  putSanitizationRulesSchema,
  sanitizationRulesResponseSchema,
  updateProjectSchema,
  serverSchema,
  sessionSchema,
  setPasswordSchema,
  updateWebhookSchema,
  usageSchema,
  webhookDeliveriesQuerySchema,
  webhookDeliverySchema,
  webhookSchema,
} from '@oec/shared';
import {
  addMemberInput,
  adminCloneListQuery,
  cloneListQuery,
  cloneLogsQuery,
  cloneRequestInput,
  createEnvironmentInput,
  createOrganizationInput,
  createProjectInput,
  createServerInput,
  organizationFilter,
} from '../schemas.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteDoc {
  method: Method;
  /** OpenAPI form, under /api/v1: `/environments/{id}/clone`. */
  path: string;
  tag: string;
  summary: string;
  body?: z.ZodTypeAny;
  query?: z.AnyZodObject;
  status: 200 | 201 | 202 | 204;
  response?: z.ZodTypeAny;
  /** Codes beyond the common ones (401 on every route, 400 VALIDATION_ERROR with a body or query, 429 on mutations). */
  errors?: ErrorCode[];
  /** false: no bearer token needed. */
  auth?: boolean;
}

const E = ErrorCode;
const CLONE_ERRORS = [
  E.PERMISSION_DENIED,
  E.ENVIRONMENT_NOT_FOUND,
  E.SERVER_NOT_FOUND,
  E.INVALID_SOURCE_STATUS,
  E.INVALID_TARGET_CONFIG,
  E.INSUFFICIENT_DISK_SPACE,
  E.QUOTA_EXCEEDED,
  E.ENVIRONMENT_BUSY,
];

export const ROUTES: readonly RouteDoc[] = [
  { method: 'post', path: '/organizations', tag: 'organizations', summary: 'Create an organization (the creator is its owner)', body: createOrganizationInput, status: 201, response: organizationSchema, errors: [E.PERMISSION_DENIED] },
  { method: 'get', path: '/organizations', tag: 'organizations', summary: "The caller's organizations", status: 200, response: listOf(organizationSchema) },
  { method: 'get', path: '/organizations/{id}', tag: 'organizations', summary: 'An organization with its quota', status: 200, response: organizationSchema, errors: [E.ORGANIZATION_NOT_FOUND] },
  { method: 'get', path: '/organizations/{id}/members', tag: 'organizations', summary: 'Members and roles', status: 200, response: listOf(memberSchema), errors: [E.ORGANIZATION_NOT_FOUND] },
  { method: 'post', path: '/organizations/{id}/members', tag: 'organizations', summary: 'Add a member or change a role', body: addMemberInput, status: 201, response: memberSchema, errors: [E.ORGANIZATION_NOT_FOUND, E.PERMISSION_DENIED, E.USER_NOT_FOUND] },
  { method: 'get', path: '/organizations/{id}/usage', tag: 'organizations', summary: 'Usage against quota', status: 200, response: usageSchema, errors: [E.ORGANIZATION_NOT_FOUND] },

  { method: 'post', path: '/projects', tag: 'projects', summary: 'Create a project', body: createProjectInput, status: 201, response: projectSchema, errors: [E.ORGANIZATION_NOT_FOUND, E.PERMISSION_DENIED, E.CONFLICT] },
  { method: 'get', path: '/projects', tag: 'projects', summary: 'Projects the caller can see', query: organizationFilter, status: 200, response: listOf(projectSchema) },
  { method: 'get', path: '/projects/{id}', tag: 'projects', summary: 'A project', status: 200, response: projectSchema, errors: [E.PROJECT_NOT_FOUND] },
  { method: 'patch', path: '/projects/{id}', tag: 'projects', summary: "The project's sanitization settings: strict mode and columns kept on purpose", body: updateProjectSchema, status: 200, response: projectSchema, errors: [E.PROJECT_NOT_FOUND, E.PERMISSION_DENIED] },
  { method: 'get', path: '/projects/{id}/sanitization-rules', tag: 'projects', summary: "The project's custom sanitization rules (applied in order after the options) and sensitive models", status: 200, response: sanitizationRulesResponseSchema, errors: [E.PROJECT_NOT_FOUND] },
  { method: 'put', path: '/projects/{id}/sanitization-rules', tag: 'projects', summary: 'Replace the custom sanitization rules (organization admins): table, column, a masking function, an optional structured filter; and the sensitive models whose attachments the full preset replaces by placeholders (omitted: kept)', body: putSanitizationRulesSchema, status: 200, response: sanitizationRulesResponseSchema, errors: [E.PROJECT_NOT_FOUND, E.PERMISSION_DENIED] },
  { method: 'get', path: '/projects/{id}/environments', tag: 'environments', summary: "A project's environments", status: 200, response: listOf(environmentSchema), errors: [E.PROJECT_NOT_FOUND] },
  { method: 'post', path: '/projects/{id}/environments', tag: 'environments', summary: 'Create an environment (its agent provisions it)', body: createEnvironmentInput, status: 202, response: environmentSchema, errors: [E.PROJECT_NOT_FOUND, E.SERVER_NOT_FOUND, E.PERMISSION_DENIED, E.QUOTA_EXCEEDED, E.CONFLICT, E.SERVER_UNREACHABLE] },

  { method: 'post', path: '/servers', tag: 'servers', summary: 'Register a server; answers its one-time agent token', body: createServerInput, status: 201, response: createServerResponseSchema, errors: [E.ORGANIZATION_NOT_FOUND, E.PERMISSION_DENIED, E.CONFLICT] },
  { method: 'get', path: '/servers', tag: 'servers', summary: 'Servers the caller can see', query: organizationFilter, status: 200, response: listOf(serverSchema) },
  { method: 'get', path: '/servers/{id}', tag: 'servers', summary: 'A server', status: 200, response: serverSchema, errors: [E.SERVER_NOT_FOUND] },

  { method: 'get', path: '/environments/{id}', tag: 'environments', summary: 'An environment', status: 200, response: environmentSchema, errors: [E.ENVIRONMENT_NOT_FOUND] },
  { method: 'delete', path: '/environments/{id}', tag: 'environments', summary: 'Destroy an environment', status: 202, response: environmentSchema, errors: [E.ENVIRONMENT_NOT_FOUND, E.PERMISSION_DENIED, E.ENVIRONMENT_BUSY, E.INVALID_ENVIRONMENT_STATUS] },
  { method: 'post', path: '/environments/{id}/start', tag: 'environments', summary: 'Start an environment', status: 202, response: environmentSchema, errors: [E.ENVIRONMENT_NOT_FOUND, E.PERMISSION_DENIED, E.ENVIRONMENT_BUSY, E.INVALID_ENVIRONMENT_STATUS] },
  { method: 'post', path: '/environments/{id}/stop', tag: 'environments', summary: 'Stop an environment', status: 202, response: environmentSchema, errors: [E.ENVIRONMENT_NOT_FOUND, E.PERMISSION_DENIED, E.ENVIRONMENT_BUSY, E.INVALID_ENVIRONMENT_STATUS] },

  { method: 'post', path: '/environments/{id}/clone', tag: 'clones', summary: 'Clone an environment (new or replace); 202 with the pending operation', body: cloneRequestInput, status: 202, response: cloneOperationSchema, errors: CLONE_ERRORS },
  { method: 'post', path: '/environments/{id}/clone/estimate', tag: 'clones', summary: 'Estimate a clone (read-only): sizes, rows per option, duration, quota and disk verdicts', body: cloneRequestInput, status: 200, response: estimateSchema, errors: CLONE_ERRORS },
  { method: 'get', path: '/environments/{id}/clone-operations', tag: 'clones', summary: "An environment's clone operations (as source or target)", query: cloneListQuery, status: 200, response: listOf(cloneOperationSchema), errors: [E.ENVIRONMENT_NOT_FOUND] },
  { method: 'get', path: '/projects/{id}/clone-operations', tag: 'clones', summary: "A project's clone operations", query: cloneListQuery, status: 200, response: listOf(cloneOperationSchema), errors: [E.PROJECT_NOT_FOUND] },
  { method: 'get', path: '/clone-operations/{id}', tag: 'clones', summary: 'Status, the ten steps, ETA, sanitization results, proof, error', status: 200, response: cloneOperationSchema, errors: [E.CLONE_NOT_FOUND] },
  { method: 'get', path: '/clone-operations/{id}/logs', tag: 'clones', summary: 'The operation log after a cursor', query: cloneLogsQuery, status: 200, response: logsResponseSchema, errors: [E.CLONE_NOT_FOUND] },
  { method: 'post', path: '/clone-operations/{id}/cancel', tag: 'clones', summary: 'Cancel (accepted until sanitizing starts)', status: 200, response: cancelResponseSchema, errors: [E.CLONE_NOT_FOUND, E.PERMISSION_DENIED, E.CANNOT_CANCEL] },
  { method: 'post', path: '/clone-operations/{id}/retry', tag: 'clones', summary: 'Retry a failed or cancelled operation as a new one', status: 202, response: cloneOperationSchema, errors: [E.CLONE_NOT_FOUND, E.PERMISSION_DENIED, E.CANNOT_RETRY, ...CLONE_ERRORS] },

  { method: 'get', path: '/admin/clone-operations', tag: 'admin', summary: "Every organization's clone operations (platform admins)", query: adminCloneListQuery, status: 200, response: listOf(cloneOperationSchema), errors: [E.PERMISSION_DENIED] },
  { method: 'post', path: '/admin/clone-operations/{id}/cancel', tag: 'admin', summary: 'Cancel any operation (platform admins)', status: 200, response: cancelResponseSchema, errors: [E.PERMISSION_DENIED, E.CLONE_NOT_FOUND, E.CANNOT_CANCEL] },
  { method: 'post', path: '/admin/clone-operations/{id}/retry', tag: 'admin', summary: 'Retry any operation (platform admins)', status: 202, response: cloneOperationSchema, errors: [E.PERMISSION_DENIED, E.CLONE_NOT_FOUND, E.CANNOT_RETRY, ...CLONE_ERRORS] },

  { method: 'get', path: '/projects/{id}/webhooks', tag: 'notifications', summary: "A project's webhooks (organization owners and admins)", status: 200, response: listOf(webhookSchema), errors: [E.PROJECT_NOT_FOUND, E.PERMISSION_DENIED] },
  { method: 'post', path: '/projects/{id}/webhooks', tag: 'notifications', summary: 'Add a webhook; the answer carries its signing secret, shown only once', body: createWebhookSchema, status: 201, response: createWebhookResponseSchema, errors: [E.PROJECT_NOT_FOUND, E.PERMISSION_DENIED] },
  { method: 'get', path: '/projects/{id}/webhooks/{webhookId}', tag: 'notifications', summary: 'A webhook (without its secret)', status: 200, response: webhookSchema, errors: [E.PROJECT_NOT_FOUND, E.PERMISSION_DENIED, E.NOT_FOUND] },
  { method: 'patch', path: '/projects/{id}/webhooks/{webhookId}', tag: 'notifications', summary: 'Change URL, events or active', body: updateWebhookSchema, status: 200, response: webhookSchema, errors: [E.PROJECT_NOT_FOUND, E.PERMISSION_DENIED, E.NOT_FOUND] },
  { method: 'delete', path: '/projects/{id}/webhooks/{webhookId}', tag: 'notifications', summary: 'Delete a webhook', status: 204, errors: [E.PROJECT_NOT_FOUND, E.PERMISSION_DENIED, E.NOT_FOUND] },
  { method: 'get', path: '/projects/{id}/webhooks/{webhookId}/deliveries', tag: 'notifications', summary: "A webhook's delivery log, newest first", query: webhookDeliveriesQuerySchema, status: 200, response: listOf(webhookDeliverySchema), errors: [E.PROJECT_NOT_FOUND, E.PERMISSION_DENIED, E.NOT_FOUND] },
  { method: 'get', path: '/notifications/preferences', tag: 'notifications', summary: "The caller's notification preferences", status: 200, response: notificationPreferencesSchema },
  { method: 'put', path: '/notifications/preferences', tag: 'notifications', summary: 'Opt in or out of clone-ended emails', body: notificationPreferencesSchema, status: 200, response: notificationPreferencesSchema },

  // Sign-in: login and link are public (no token); both are rate limited per client address
  // (login also per email) and answer UNAUTHENTICATED for bad credentials or a spent link.
  { method: 'post', path: '/auth/login', tag: 'auth', summary: 'Sign in with email and password; answers an API token', body: loginSchema, status: 200, response: sessionSchema, errors: [E.UNAUTHENTICATED, E.RATE_LIMIT_EXCEEDED], auth: false },
  { method: 'post', path: '/auth/link', tag: 'auth', summary: 'Exchange a one-time sign-in link for an API token', body: linkExchangeSchema, status: 200, response: sessionSchema, errors: [E.UNAUTHENTICATED, E.RATE_LIMIT_EXCEEDED], auth: false },
  { method: 'post', path: '/auth/logout', tag: 'auth', summary: 'Sign out (tokens are stateless: the client drops its copy; no token needed)', status: 204, auth: false },
  { method: 'get', path: '/auth/me', tag: 'auth', summary: 'The signed-in user', status: 200, response: authUserSchema },
  { method: 'post', path: '/auth/password', tag: 'auth', summary: "Set one's own password (the current one when one is set)", body: setPasswordSchema, status: 200, response: authUserSchema },
  { method: 'post', path: '/auth/invite', tag: 'auth', summary: "An organization admin's one-time sign-in link (24 h) for an active member without a password", body: inviteLinkRequestSchema, status: 200, response: inviteLinkSchema, errors: [E.ORGANIZATION_NOT_FOUND, E.PERMISSION_DENIED, E.USER_NOT_FOUND, E.CONFLICT] },

  { method: 'get', path: '/openapi.json', tag: 'meta', summary: 'This document (no token needed)', status: 200, response: z.record(z.unknown()), auth: false },
];
