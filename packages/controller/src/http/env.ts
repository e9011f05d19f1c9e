// The Hono environment of the REST API: what middleware puts on the context.
import type { Actor } from '../auth/permissions.js';

export interface AppEnv {
  Variables: { actor: Actor };
}
