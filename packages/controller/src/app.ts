// createApp(deps): the controller's HTTP surface as a Hono app — REST under /api/v1, tRPC under
// /trpc, the dashboard at / — with one error mapping. No module state: everything comes in
// through deps.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { trpcServer } from '@hono/trpc-server';
import { AppError, ErrorCode } from '@oec/shared';
import type { AppDeps } from './deps.js';
import type { AppEnv } from './http/env.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { authMiddleware, rateLimitMiddleware } from './http/middleware.js';
import { adminRoutes } from './http/routes/admin.js';
import { authRoutes } from './http/routes/auth.js';
import { cloneRoutes } from './http/routes/clones.js';
import { environmentRoutes } from './http/routes/environments.js';
import { organizationRoutes } from './http/routes/organizations.js';
import { projectRoutes } from './http/routes/projects.js';
import { sanitizationRuleRoutes } from './http/routes/sanitization-rules.js';
import { serverRoutes } from './http/routes/servers.js';
import { openApiDocument } from './openapi/document.js';
import { notificationRoutes, webhookRoutes } from './http/routes/webhooks.js';
import { webAssets } from './http/static.js';
import { appRouter } from './trpc/router.js';
import { createTrpcContext } from './trpc/trpc.js';

const MAX_BODY_BYTES = 1024 * 1024;

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.debug(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json(
          new AppError(ErrorCode.VALIDATION_ERROR, `Request body exceeds ${MAX_BODY_BYTES} bytes`, {
            fields: [{ path: '(body)', message: 'body too large' }],
          }).toBody(),
          400,
        ),
    }),
  );

  app.get('/healthz', (c) => c.json({ ok: true }));

  // The API description is public (it holds no data), so it is answered before authentication.
  app.get('/api/v1/openapi.json', (c) => c.json(openApiDocument()));
  // Sign-in answers before the bearer check below: its routes end the chain themselves.
  app.route('/api/v1/auth', authRoutes(deps));
  app.use('/api/v1/*', authMiddleware(deps), rateLimitMiddleware(deps));
  app.route('/api/v1/organizations', organizationRoutes(deps));
  app.route('/api/v1/projects', projectRoutes(deps));
  app.route('/api/v1/servers', serverRoutes(deps));
  app.route('/api/v1/environments', environmentRoutes(deps));
  app.route('/api/v1', cloneRoutes(deps));
  app.route('/api/v1/admin', adminRoutes(deps));
  app.route('/api/v1/projects', webhookRoutes(deps, deps.settings.webhookAllowPrivate === true));
  app.route('/api/v1/notifications', notificationRoutes(deps));
  app.route('/api/v1/projects', sanitizationRuleRoutes(deps));

  app.use(
    '/trpc/*',
    trpcServer({
      router: appRouter,
      endpoint: '/trpc',
      createContext: (opts) => createTrpcContext(deps, opts.req, opts.resHeaders, opts.info.connectionParams),
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof AppError)) {
          deps.logger.error({ err: error.cause ?? error, path }, 'unhandled tRPC error');
        }
      },
    }),
  );
  // The dashboard last: only GETs no route above answered reach it.
  const assets = webAssets();
  if (assets) app.use('*', assets);
  return app;
}
