// Public surface of @oec/controller: the app factory, the server, config parsing, the controller
// lock (decision 0015), the logger, tokens, the tRPC router type for clients, and the route
// tables (the REST routes' documentation and the tRPC router) the security suite walks.
export { createApp } from './app.js';
export { startServer } from './server.js';
export type { RunningServer, StartServerOptions } from './server.js';
export { parseConfig, ConfigError } from './config.js';
export type { Config } from './config.js';
export { createLogger } from './logger.js';
export type { Logger } from './logger.js';
export type { AppDeps, AppSettings } from './deps.js';
export type { Clock } from './clock.js';
export type { IdGenerator } from './ids.js';
export { signToken, verifyToken } from './auth/jwt.js';
export { bootstrapAdmin, findUserByEmail } from './services/users.js';
export { createSignInLink } from './auth/sign-in-links.js';
export type { AppRouter } from './trpc/router.js';
export type { AgentHub, RunTaskOptions } from './agents/types.js';
export { AGENT_WS_PATH } from './agents/upgrade.js';
// The REST routes with their schemas and the tRPC router itself: the contract suites
// (security, fuzz) walk both instead of listing routes by hand.
export { ROUTES } from './openapi/routes.js';
export type { Method, RouteDoc } from './openapi/routes.js';
export { appRouter } from './trpc/router.js';
