// Chooses the Runtime implementation from configuration: the only place that branches on kind.
import type { AgentConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { PgTarget } from '../postgres/target.js';
import { LocalRuntime } from './local.js';
import type { Runtime } from './runtime.js';

export type { AppStatus, DiskUsage, ExecOptions, Runtime } from './runtime.js';
export { LocalRuntime, type LocalRuntimeOptions } from './local.js';
export { stopAppsUnder } from './app-process.js';

export function createRuntime(config: AgentConfig, pg: PgTarget, logger: Logger): Runtime {
  switch (config.runtime) {
    case 'local':
      return new LocalRuntime({
        dataDir: config.dataDir,
        pg,
        hostname: config.hostname,
        peerUrl: config.peerUrl,
        appHost: config.appHost,
        childEnv: config.childEnv,
        logger: logger.child({ component: 'runtime' }),
      });
  }
}
