// Request schemas used by both REST and tRPC: the shared contract's schemas, made strict
// (unknown keys are an error, see strict.ts), plus the small id/query shapes of our routes.
import { z } from 'zod';
import {
  addMemberSchema,
  createEnvironmentSchema,
  createOrganizationSchema,
  createProjectSchema,
  createServerSchema,
  cloneStatusSchema,
  logsQuerySchema,
  uuidSchema,
} from '@oec/shared';
import { strictDeep } from './strict.js';

export { cloneRequestInput } from './clone/model/request-input.js';

export const createOrganizationInput = strictDeep(createOrganizationSchema);
export const addMemberInput = strictDeep(addMemberSchema);
export const createProjectInput = strictDeep(createProjectSchema);
export const createServerInput = strictDeep(createServerSchema);
export const createEnvironmentInput = strictDeep(createEnvironmentSchema);

/** `{id}` of a tRPC get/start/stop/… call. */
export const idInput = z.object({ id: uuidSchema }).strict();

/** Optional `?organization_id=` filter of project and server listings. */
export const organizationFilter = z.object({ organization_id: uuidSchema.optional() });

/** `?status=&limit=` of clone operation lists. */
export const cloneListQuery = z.object({
  status: cloneStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The admins' list: any organization, or one. */
export const adminCloneListQuery = cloneListQuery.extend({ organization_id: uuidSchema.optional() });

/** `?after=&limit=` of an operation's log. */
export const cloneLogsQuery = logsQuerySchema;
