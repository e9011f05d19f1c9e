#!/usr/bin/env node
// The `oec-agent` command: parse configuration (exit 2 with a readable message when it is bad),
// start the agent, and on SIGTERM/SIGINT stop accepting tasks, abort running ones and close the
// link. The owned PostgreSQL cluster keeps running (environments survive an agent restart)
// unless OEC_PG_STOP_ON_EXIT=true or --stop-postgres-on-exit is given.
import { createAgent } from './agent.js';
import { ConfigError, describeConfig, loadConfig, type AgentConfig } from './config.js';
import { createLogger } from './logger.js';
import { AGENT_VERSION } from './runtime/facts.js';

const USAGE = `usage: oec-agent [--stop-postgres-on-exit] [--version]
Configuration comes from OEC_* environment variables (or the JSON file named by OEC_AGENT_CONFIG):
OEC_CONTROLLER_URL, OEC_AGENT_TOKEN, OEC_DATA_DIR, OEC_RUNTIME, OEC_PG_MODE, OEC_PG_URL, OEC_PG_PORT,
OEC_PG_BIN_DIR, OEC_PG_STOP_ON_EXIT, OEC_HOSTNAME, OEC_LOG_LEVEL, OEC_PEER_LISTEN, OEC_PEER_URL,
OEC_PEER_TIMEOUT_MS, OEC_APP_HOST, OEC_RECONNECT_MIN_MS, OEC_RECONNECT_MAX_MS; with OEC_RUNTIME=docker:
OEC_DOCKER_SOCKET, OEC_DOCKER_POSTGRES_IMAGE, OEC_DOCKER_ODOO_IMAGE, OEC_DOCKER_SERVER_LABEL,
OEC_DOCKER_ODOO_USER, OEC_DOCKER_ODOO_DATA_DIR, OEC_DOCKER_ODOO_ADDONS_DIR, OEC_DOCKER_ODOO_PORT,
OEC_DOCKER_ODOO_HEALTH_PATH, OEC_DOCKER_ODOO_VERSION_COMMAND.
`;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return;
  }
  let config: AgentConfig;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`oec-agent: ${e.message}\n`);
    process.exit(2);
  }
  if (argv.includes('--stop-postgres-on-exit')) config = { ...config, stopPostgresOnExit: true };

  const logger = createLogger(config.logLevel);
  logger.info({ version: AGENT_VERSION, ...describeConfig(config) }, 'agent starting');
  const agent = createAgent(config, { logger });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'agent stopping');
    try {
      await agent.stop();
      logger.info('agent stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'agent did not stop cleanly');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    await agent.start();
  } catch (err) {
    logger.fatal({ err: err instanceof Error ? err.message : String(err) }, 'agent failed to start');
    process.exit(1);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`oec-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
