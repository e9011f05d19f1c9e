// A fake agent for contract tests: a plain `ws` client speaking the shared protocol (hello,
// heartbeat, task.accepted/progress/log/result). Tasks are answered by a handler the test can
// swap; by default every env.* task succeeds with a plausible output.
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION, controllerMessageSchema, parseFrame } from '@oec/shared';
import type { ControllerMessage, ServerFacts, TaskError } from '@oec/shared';

type TaskRun = Extract<ControllerMessage, { type: 'task.run' }>;

/** What to answer to a task: an output, an error, or nothing (the test answers later). */
export type TaskReply = { output: unknown } | { error: TaskError } | 'ignore';

export interface FakeAgentOptions {
  /** Send hello on connect (default true). */
  hello?: boolean;
  protocolVersion?: number;
  /** Heartbeat period; null sends none (default 100 ms). */
  heartbeatMs?: number | null;
  facts?: Partial<ServerFacts>;
  onTask?: (task: TaskRun) => TaskReply | Promise<TaskReply>;
  /** The output of agent.reconcile (default: nothing found). */
  onReconcile?: (task: TaskRun) => unknown;
  /** Disk each heartbeat reports (default 50 of 100 GB free). */
  heartbeatDisk?: { free: number; total: number };
  /** Answer ws pings (default true); false simulates a dead peer whose socket is still open. */
  autoPong?: boolean;
}

export function defaultOutput(task: TaskRun): unknown {
  const input = task.input as { db_name: string; environment_id: string };
  switch (task.kind) {
    case 'env.create':
      return {
        db_name: input.db_name,
        filestore_path: `/srv/oec/environments/${input.environment_id}/filestore`,
        addons_path: `/srv/oec/environments/${input.environment_id}/addons`,
        connection: { host: '127.0.0.1', port: 5433, database: input.db_name, user: input.db_name },
      };
    case 'env.inspect':
      return { exists: true, database_bytes: 1, filestore_bytes: 0, filestore_files: 0, addons_bytes: 0 };
    default:
      return { ok: true };
  }
}

export class FakeAgent {
  readonly received: ControllerMessage[] = [];
  readonly tasks: TaskRun[] = [];
  /** agent.reconcile tasks the controller sent (one per connect). */
  readonly reconciles: TaskRun[] = [];
  private readonly onReconcile: (task: TaskRun) => unknown;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Status code of a refused upgrade (401 …), if any. */
  refusedStatus: number | null = null;
  onTask: (task: TaskRun) => TaskReply | Promise<TaskReply>;
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    readonly ws: WebSocket,
    opts: FakeAgentOptions,
  ) {
    this.onTask = opts.onTask ?? ((task) => ({ output: defaultOutput(task) }));
    this.onReconcile = opts.onReconcile ?? (() => ({ removed: [], kept: [] }));
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        clearInterval(this.heartbeat);
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('unexpected-response', (_req, res) => {
      this.refusedStatus = res.statusCode ?? null;
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      const msg = parseFrame(controllerMessageSchema, data.toString('utf8'));
      if (!msg) return;
      this.received.push(msg);
      if (msg.type === 'task.run') void this.runTask(msg);
    });
  }

  /** Connect with an agent token; resolves once welcomed (or closed/refused when hello is off or refused). */
  static async connect(wsUrl: string, token: string | null, opts: FakeAgentOptions = {}): Promise<FakeAgent> {
    const ws = new WebSocket(wsUrl, { headers: token === null ? {} : { authorization: `Bearer ${token}` }, autoPong: opts.autoPong ?? true });
    const agent = new FakeAgent(ws, opts);
    const opened = await Promise.race([
      new Promise<boolean>((resolve) => ws.once('open', () => resolve(true))),
      agent.closed.then(() => false),
    ]);
    if (!opened || opts.hello === false) return agent;
    agent.send({
      type: 'hello',
      protocol_version: opts.protocolVersion ?? PROTOCOL_VERSION,
      facts: {
        hostname: 'fake-host',
        runtime: 'local',
        agent_version: '0.0.0-test',
        disk_total_bytes: 100e9,
        disk_free_bytes: 60e9,
        pg_version: '15.8',
        tools: { pg_dump: '15.8' },
        bufferutil: false,
        peer_url: null,
        tls_fingerprint: null,
        ...opts.facts,
      },
      running_tasks: [],
    });
    await Promise.race([agent.waitFor((m) => m.type === 'welcome'), agent.closed]);
    const period = opts.heartbeatMs === undefined ? 100 : opts.heartbeatMs;
    if (period !== null && ws.readyState === ws.OPEN) {
      agent.heartbeat = setInterval(() => {
        const disk = opts.heartbeatDisk ?? { free: 50e9, total: 100e9 };
        agent.send({ type: 'heartbeat', disk_free_bytes: disk.free, disk_total_bytes: disk.total, running_tasks: [] });
      }, period);
    }
    return agent;
  }

  get welcomed(): boolean {
    return this.received.some((m) => m.type === 'welcome');
  }

  send(msg: object): void {
    this.sendRaw(JSON.stringify(msg));
  }

  sendRaw(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  stopHeartbeats(): void {
    clearInterval(this.heartbeat);
  }

  /** Resolves with the first received message (past or future) matching `pred`. */
  async waitFor(pred: (m: ControllerMessage) => boolean, timeoutMs = 30_000): Promise<ControllerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('fake agent: timed out waiting for a message');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Answer a task explicitly (for handlers that returned 'ignore'). */
  reply(taskId: string, reply: Exclude<TaskReply, 'ignore'>): void {
    if ('output' in reply) this.send({ type: 'task.result', task_id: taskId, ok: true, output: reply.output });
    else this.send({ type: 'task.result', task_id: taskId, ok: false, error: reply.error });
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.ws.close(1000, 'test done');
    await this.closed;
  }

  /** Drop the connection without a close handshake (a crash, a cable pulled). */
  async terminate(): Promise<void> {
    clearInterval(this.heartbeat);
    this.ws.terminate();
    await this.closed;
  }

  private async runTask(task: TaskRun): Promise<void> {
    // The controller's reconciliation at every connect (decision 0017): answered at once, found
    // nothing, and kept apart so that `tasks` lists what a test's own actions sent.
    if (task.kind === 'agent.reconcile') {
      this.reconciles.push(task);
      this.send({ type: 'task.accepted', task_id: task.task_id });
      this.reply(task.task_id, { output: this.onReconcile(task) });
      return;
    }
    this.tasks.push(task);
    this.send({ type: 'task.accepted', task_id: task.task_id });
    const reply = await this.onTask(task);
    if (reply === 'ignore') return;
    this.send({ type: 'task.progress', task_id: task.task_id, fraction: 0.5, detail: { message: 'halfway' } });
    this.send({ type: 'task.log', task_id: task.task_id, ts: new Date().toISOString(), level: 'INFO', message: `ran ${task.kind}` });
    this.reply(task.task_id, reply);
  }
}
