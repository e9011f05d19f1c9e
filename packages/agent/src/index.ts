// Public surface of @oec/agent: the agent factory, its configuration, the Runtime types and the
// argv builders (the test harness and the controller's tests use some of these).
export { createAgent, type Agent, type AgentDeps, type StopOptions } from './agent.js';
export { ConfigError, describeConfig, loadConfig, parseConfig, type AgentConfig, type PgConfig } from './config.js';
export { createLogger, type Logger } from './logger.js';
export { DataDirLockedError } from './lock.js';
export { createConnection, type Connection, type ConnectionOptions } from './connection.js';
export { createTaskRunner, type TaskRunner, type TaskRunnerOptions } from './tasks/runner.js';
export type { Handler, HandlerRegistry, MessageSink, TaskContext } from './tasks/types.js';
export { createRuntime, DockerRuntime, LocalRuntime, stopAppsUnder, stopEnvironmentClusters, type AppStatus, type DiskUsage, type ExecOptions, type LocalRuntimeOptions, type DockerRuntimeOptions, type Runtime } from './runtime/index.js';
export * from './commands/index.js';
export { assertSuccess, collect, describeExit, ExecError, pipe, spawnProcess, type ExecHandle, type ExitInfo, type SpawnOptions } from './exec/run.js';
export { AGENT_VERSION } from './runtime/facts.js';
export { treeSize, type TreeSize } from './runtime/fs-usage.js';
export { createHandlers, HANDLERS } from './tasks/handlers/index.js';
export { NO_HOOKS, fileHooks, staticHooks, type CloneHooks, type HookState } from './clone/context.js';
export { canSnapshotFilestore, listFilestore, linkFilestore, missingFiles, snapshotFilestore, withoutFiles } from './clone/filestore.js';
export { convertFilestore, isSubvolume, makeFilestoreDir } from './runtime/subvolume.js';
export { sensitiveOnlyFiles } from './clone/sql.js';
export { ensurePeerIdentity, fingerprintOf, type PeerIdentity } from './peer/tls.js';
export { startPeerServer, ticketHash, type PeerServer, type PeerServerOptions } from './peer/server.js';
export type { TransferDeps } from './clone/transfer/common.js';
export {
  composeTransforms,
  copyDatabaseByCopy,
  copyFromSource,
  copyTuning,
  framedSink,
  frameReceiver,
  decodeField,
  edit,
  maskInPlace,
  decodeRow,
  encodeField,
  encodeRow,
  readCatalog,
  readTables,
  rowTransformStream,
  workDatabaseSink,
  type CopyDatabaseOptions,
  type CopyResult,
  type CopySink,
  type CopyTable,
  type RowTransform,
  type RowTransformFactory,
} from './clone/copy/index.js';
export { maskSnapshot } from './clone/steps/sanitize.js';
