// The dashboard's tRPC router: one sub-router per resource.
import { clonesRouter } from './clones.js';
import { environmentsRouter } from './environments.js';
import { organizationsRouter } from './organizations.js';
import { projectsRouter } from './projects.js';
import { serversRouter } from './servers.js';
import { publicProcedure, router } from './trpc.js';

export const appRouter = router({
  health: publicProcedure.query(() => ({ ok: true as const })),
  organizations: organizationsRouter,
  projects: projectsRouter,
  servers: serversRouter,
  environments: environmentsRouter,
  clones: clonesRouter,
});

export type AppRouter = typeof appRouter;
