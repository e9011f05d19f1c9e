// Public surface of @oec/controller: the app factory, the server, config parsing, tokens, and
// the tRPC router type for clients.
export { createApp } from './app.js';
export { startServer } from './server.js';
export type { RunningServer, StartServerOptions } from './server.js';
export { parseConfig, ConfigError } from './config.js';
export type { Config } from './config.js';
export type { AppDeps, AppSettings } from './deps.js';
export type { Clock } from './clock.js';
export type { IdGenerator } from './ids.js';
export { signToken, verifyToken } from './auth/jwt.js';
export { bootstrapAdmin, findUserByEmail } from './services/users.js';
export { createSignInLink } from './auth/sign-in-links.js';
export type { AppRouter } from './trpc/router.js';
export type { AgentHub, RunTaskOptions } from './agents/types.js';
export { AGENT_WS_PATH } from './agents/upgrade.js';
