// Public surface of @oec/shared: contracts shared by the controller, the agents and clients.
export * from './errors.js';
export * from './steps.js';
export * from './sanitization.js';
export * from './identifiers.js';
export * from './api/common.js';
export * from './api/organizations.js';
export * from './api/projects.js';
export * from './api/servers.js';
export * from './api/environments.js';
export * from './api/clone.js';
export * from './api/auth.js';
export * from './tasks.js';
export * from './wire.js';
export * from './clone-tasks.js';
export * from './peer.js';
export * from './api/notifications.js';
export * from './sse.js';
