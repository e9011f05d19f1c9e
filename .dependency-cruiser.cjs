// The import rules of the workspace, checked by `pnpm depcheck` in the test command's static
// stage: no import cycle anywhere (type-only imports count), the packages' boundaries, and the
// layers inside the controller and the agent (ARCHITECTURE.md, "Layers").
const CTL = '^packages/controller/src/';
const AGENT = '^packages/agent/src/';

/** A rule forbidding imports from `from` to `to` (paths as regular expressions). */
function forbid(name, comment, from, to, extra = {}) {
  return { name, comment, severity: 'error', from: { path: from, ...(extra.from ?? {}) }, to: { path: to, ...(extra.to ?? {}) } };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle (type-only imports included): move the shared piece into a leaf module.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    // ---- packages ----
    forbid('shared-is-a-leaf', 'packages/shared is the contract: it imports no other package of ours.', '^packages/shared/', '^packages/(controller|agent|web|cli)/|^bench/|^test/'),
    forbid('controller-not-agent', 'The controller and the agent talk over the wire protocol only.', '^packages/controller/', '^packages/agent/'),
    forbid('agent-not-controller', 'The controller and the agent talk over the wire protocol only.', '^packages/agent/', '^packages/controller/'),
    forbid('clients-only-shared', 'The dashboard and the CLI import @oec/shared and the controller router type only.', '^packages/(web|cli)/', '^packages/agent/'),
    {
      name: 'clients-controller-type-only',
      comment: 'The dashboard and the CLI may import the controller only for its router type.',
      severity: 'error',
      from: { path: '^packages/(web|cli)/' },
      to: { path: '^packages/controller/', dependencyTypesNot: ['type-only'] },
    },
    forbid('packages-not-tests', 'Product code never imports the test harness or the benchmarks.', '^packages/', '^(test|bench)/'),
    // ---- controller layers ----
    forbid('ctl-http-trpc-at-the-edge', 'Only http/, trpc/, app.ts and index.ts import the HTTP and tRPC layers.', `${CTL}(?!http/|trpc/|app\\.ts|index\\.ts)`, `${CTL}(http|trpc)/`),
    forbid('ctl-edge-not-engine-or-store', 'Routes reach the clone engine through services and AppDeps, never its store or engine.', `${CTL}(http|trpc)/`, `${CTL}clone/(store|engine)/`),
    forbid('ctl-model-is-pure', 'clone/model holds types, schemas and pure functions.', `${CTL}clone/model/`, `${CTL}(?!clone/model/)`),
    forbid('ctl-store-below-engine', 'The store never imports the engine or the request side.', `${CTL}clone/store/`, `${CTL}clone/(engine|request)/`),
    forbid('ctl-engine-not-request', 'The engine never imports the request side or the app deps.', `${CTL}clone/engine/`, `${CTL}(clone/request/|deps\\.ts)`),
    forbid('ctl-request-not-engine', 'The request side reaches the engine only through AppDeps.clones.', `${CTL}clone/request/`, `${CTL}clone/engine/`),
    forbid('ctl-base-not-clone', 'services, agents, db and auth sit below the clone code.', `${CTL}(services|agents|db|auth)/`, `${CTL}clone/`),
    forbid('ctl-leaves', 'clock.ts and ids.ts are leaves.', `${CTL}(clock|ids)\\.ts$`, `${CTL}`),
    // ---- agent layers ----
    forbid('agent-infra-below-clone', 'runtime, exec, commands and peer never import the clone steps, tasks or the sanitizer.', `${AGENT}(runtime|exec|commands|peer)/`, `${AGENT}(clone|tasks|sanitize)/`),
    forbid('agent-sanitize-self-contained', 'The sanitizer imports only its own files.', `${AGENT}sanitize/`, `${AGENT}(?!sanitize/)`),
    forbid('agent-clone-uses-sanitize-entry', 'clone/ uses the sanitizer through sanitize/index.ts only.', `${AGENT}clone/`, `${AGENT}sanitize/(?!index\\.ts)`),
    {
      name: 'agent-clone-not-tasks',
      comment: 'clone/ imports from tasks/ only the TaskContext type.',
      severity: 'error',
      from: { path: `${AGENT}clone/` },
      to: { path: `${AGENT}tasks/`, pathNot: `${AGENT}tasks/types\\.ts$` },
    },
    forbid('agent-transfer-not-steps', 'The cross-server sides share clone/*.ts helpers, not the same-server steps.', `${AGENT}clone/transfer/`, `${AGENT}clone/steps/`),
    forbid('agent-steps-not-transfer', 'The same-server steps do not import the cross-server sides.', `${AGENT}clone/steps/`, `${AGENT}clone/transfer/`),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/|\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'], extensions: ['.ts', '.js'] },
    combinedDependencies: false,
  },
};
