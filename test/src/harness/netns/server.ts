// One server of a topology: its namespace, addresses, and the cut and restore of its data link.
import { ip } from './commands.js';

export interface NetServer {
  /** `a`, `b`, …: the server's letter in its topology. */
  name: string;
  index: number;
  netns: string;
  /** Address on the control network (reaches the controller). */
  controlIp: string;
  /** Address on the data network (agent-to-agent traffic). */
  dataIp: string;
  /** Interface names inside the namespace. */
  controlIf: string;
  dataIf: string;
  /** argv prefix that runs a command inside the namespace: [ip, 'netns', 'exec', netns]. */
  execPrefix: string[];
  /** Take the data link down in the namespace: agent-to-agent streams stall, control traffic goes on. */
  cutDataLink(): Promise<void>;
  /** Bring the data link back (address and subnet route included). */
  restoreDataLink(): Promise<void>;
}

export interface ServerAddressing {
  ns: string;
  name: string;
  index: number;
  controlIp: string;
  dataIp: string;
  /** The data subnet (`10.214.K.0/24`): the route restoreDataLink puts back. */
  dataNet: string;
  ipCmd: string;
}

export function makeServer({ ns, name, index, controlIp, dataIp, dataNet, ipCmd }: ServerAddressing): NetServer {
  return {
    name,
    index,
    netns: ns,
    controlIp,
    dataIp,
    controlIf: 'ctl0',
    dataIf: 'data0',
    execPrefix: [ipCmd, 'netns', 'exec', ns],
    async cutDataLink() {
      await ip(['-n', ns, 'link', 'set', 'data0', 'down']);
    },
    async restoreDataLink() {
      await ip(['-n', ns, 'link', 'set', 'data0', 'up']);
      const addrs = await ip(['-n', ns, '-4', '-o', 'addr', 'show', 'dev', 'data0']);
      if (!addrs.includes(` ${dataIp}/`)) await ip(['-n', ns, 'addr', 'add', `${dataIp}/24`, 'dev', 'data0']);
      const routes = await ip(['-n', ns, '-4', 'route', 'show', 'dev', 'data0']);
      if (!routes.split('\n').some((l) => l.startsWith(`${dataNet} `))) {
        await ip(['-n', ns, 'route', 'add', dataNet, 'dev', 'data0', 'src', dataIp]).catch((e: Error) => {
          if (!/File exists/.test(e.message)) throw e;
        });
      }
    },
  };
}
