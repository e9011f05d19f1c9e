// Public surface of the end-to-end harness.
export * from './wait.js';
export * from './processes.js';
export * from './api.js';
export * from './platform.js';
export * from './seed-env.js';
export * from './clone-source.js';
export * from './operations.js';
export * from './progress-view.js';
export * from './env-db.js';
export * from './pg-conn.js';
export * from './netns.js';
export * from './disk.js';
export * from './docker.js';
export * from './compose.js';
export * from './oec-cli.js';
export * from './smtp-sink.js';
export * from './webhook-sink.js';
