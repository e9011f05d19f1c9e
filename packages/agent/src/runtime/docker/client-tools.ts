// The client tools (`commands/`) under the `docker` runtime: PostgreSQL's run inside the
// environment's PostgreSQL container (matching its server, over its loopback, the password in the
// exec's environment, never in argv); tar runs on the host, where the files are.
import type Docker from 'dockerode';
import { CommandArgumentError, isClientTool, renderPgOptions } from '../../commands/index.js';
import { dockerExec } from '../../docker/exec.js';
import { spawnProcess, type ExecHandle } from '../../exec/run.js';
import { envLayout } from '../layout.js';
import type { ExecOptions } from '../runtime.js';
import { envObjectNames, PG_PORT, SUPERUSER } from './objects.js';
import { readSecrets } from './secrets.js';

export function execClientTool(
  host: { docker: Docker; dataDir: string; childEnv: Record<string, string> },
  argv: readonly string[],
  opts: ExecOptions,
): ExecHandle {
  const [tool, ...args] = argv;
  if (!isClientTool(tool)) throw new CommandArgumentError(`refusing to run ${JSON.stringify(tool)}: not a client tool`);
  const { environment, as, pgOptions, nice, ...rest } = opts;
  if (tool === 'tar') return spawnProcess(tool, tool, args, { ...rest, ...(nice !== undefined ? { nice } : {}), env: host.childEnv });
  if (!environment) throw new CommandArgumentError(`${tool} needs an environment under the docker runtime`);
  const secrets = readSecrets(envLayout(host.dataDir, environment).secrets);
  const app = as === 'app';
  const env: Record<string, string> = {
    PGHOST: '127.0.0.1',
    PGPORT: String(PG_PORT),
    PGUSER: app ? environment.db_name : SUPERUSER,
    PGPASSWORD: app ? secrets.password : secrets.superuser_password,
    PGDATABASE: environment.db_name,
    PGCONNECT_TIMEOUT: '15',
    PGAPPNAME: 'oec-agent',
    ...(pgOptions ? { PGOPTIONS: renderPgOptions(pgOptions) } : {}),
  };
  // Niceness inside the container: `nice` is in every image that has the kill helper's tools.
  const command = nice !== undefined ? ['nice', '-n', String(nice), tool, ...args] : [tool, ...args];
  const container = host.docker.getContainer(envObjectNames(environment.environment_id).db);
  const handle = dockerExec(container, command, { ...rest, env, user: 'postgres' });
  // Named after the tool, not `nice`: callers tell which side of a pipe failed by the name.
  return { ...handle, name: tool };
}
