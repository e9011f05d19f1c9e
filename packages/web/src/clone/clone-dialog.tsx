// The Clone Environment dialog: three tabs (Target, Sanitization, Options) and the summary panel
// wired to the estimate endpoint; Start stays disabled until the form is complete, and says why.
import { useMemo, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { ENVIRONMENT_TYPES } from '@oec/shared';
import type { Environment, Estimate, Server } from '@oec/shared';
import { errorInfo, trpc } from '../api/trpc.js';
import type { ApiErrorInfo } from '../api/trpc.js';
import { ErrorNote, Modal, Tabs } from '../components/ui.js';
import { defaultForm, effectiveOptions, estimateRequest, toRequest, validate } from '../logic/clone-form.js';
import type { CloneForm, FormErrors } from '../logic/clone-form.js';
import { formatBytes, formatDuration } from '../logic/format.js';
import { SanitizationTab } from './sanitization-tab.js';

type TabKey = 'target' | 'sanitization' | 'options';

export interface CloneDialogProps {
  source: Environment;
  environments: Environment[];
  servers: Server[];
  onClose: () => void;
  onStarted: (operationId: string) => void;
}

const DATA_PATH_LABEL = { copy_on_write: 'Instant (copy-on-write snapshot)', copy: 'Streamed table by table', dump_restore: 'Dump and restore' } as const;

export function CloneDialog({ source, environments, servers, onClose, onStarted }: CloneDialogProps) {
  const [form, setForm] = useState<CloneForm>(() => defaultForm(source));
  const [tab, setTab] = useState<TabKey>('target');
  const [apiError, setApiError] = useState<ApiErrorInfo | null>(null);
  const others = environments.filter((e) => e.id !== source.id);
  const ctx = useMemo(() => ({ existingNames: environments.map((e) => e.name), replaceable: others }), [environments, others]);
  const errors = validate(form, ctx);
  const ready = Object.keys(errors).length === 0;
  const update = (patch: Partial<CloneForm>) => {
    setApiError(null);
    setForm((f) => ({ ...f, ...patch }));
  };

  const estimateReq = estimateRequest(form);
  const estimate = useQuery({
    queryKey: ['estimate', source.id, estimateReq],
    queryFn: () => trpc.clones.estimate.query({ environment_id: source.id, ...(estimateReq as NonNullable<typeof estimateReq>) }),
    enabled: estimateReq !== null,
    staleTime: 60_000,
    retry: false,
  });
  const start = useMutation({
    mutationFn: () => trpc.clones.clone.mutate({ environment_id: source.id, ...toRequest(form) }),
    onSuccess: (op) => onStarted(op.id),
    onError: (err) => setApiError(errorInfo(err)),
  });

  const firstProblem = Object.values(errors)[0];
  return (
    <Modal
      title={`Clone Environment: ${source.name}`}
      onClose={onClose}
      wide
      footer={
        <>
          <span className="muted footer-hint">{ready ? '' : firstProblem}</span>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={!ready || start.isPending} onClick={() => start.mutate()}>
            {start.isPending ? 'Starting…' : 'Start Clone'}
          </button>
        </>
      }
    >
      <div className="clone-layout">
        <div className="clone-main">
          <Tabs<TabKey>
            label="Clone settings"
            active={tab}
            onChange={setTab}
            tabs={[
              { key: 'target', label: 'Target' },
              { key: 'sanitization', label: 'Sanitization' },
              { key: 'options', label: 'Options' },
            ]}
          />
          <div role="tabpanel" className="tab-panel">
            {tab === 'target' && <TargetTab form={form} update={update} errors={errors} source={source} others={others} servers={servers} />}
            {tab === 'sanitization' && <SanitizationTab form={form} setForm={(f) => { setApiError(null); setForm(f); }} estimate={estimate.data ?? null} errors={errors} />}
            {tab === 'options' && <OptionsTab form={form} update={update} estimate={estimate.data ?? null} />}
          </div>
          <ErrorNote error={apiError} title="The clone was refused:" />
        </div>
        <SummaryPanel
          form={form}
          source={source}
          others={others}
          servers={servers}
          estimate={estimate.data ?? null}
          loading={estimate.isFetching}
          error={estimate.error ? errorInfo(estimate.error) : null}
        />
      </div>
    </Modal>
  );
}

function Field({ label, error, children, hint }: { label: string; error?: string | undefined; children: React.ReactNode; hint?: string }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {hint && <span className="muted small">{hint}</span>}
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}

interface TabProps {
  form: CloneForm;
  update: (patch: Partial<CloneForm>) => void;
}

function TargetTab({ form, update, errors, source, others, servers }: TabProps & { errors: FormErrors; source: Environment; others: Environment[]; servers: Server[] }) {
  const target = others.find((e) => e.id === form.replaceId);
  const otherServers = servers.filter((s) => s.id !== source.server_id);
  return (
    <div className="stack">
      <fieldset className="radio-row">
        <legend className="sr-only">Clone mode</legend>
        <label>
          <input type="radio" name="mode" checked={form.mode === 'create_new'} onChange={() => update({ mode: 'create_new' })} /> Create new environment
        </label>
        <label>
          <input type="radio" name="mode" checked={form.mode === 'replace'} onChange={() => update({ mode: 'replace' })} disabled={others.length === 0} /> Replace existing
          environment
        </label>
      </fieldset>
      {form.mode === 'create_new' ? (
        <>
          <Field label="Environment name" error={errors.name} hint="Must be unique within the project">
            <input value={form.name} onChange={(e) => update({ name: e.target.value })} autoComplete="off" spellCheck={false} />
          </Field>
          <Field label="Environment type">
            <select value={form.environmentType} onChange={(e) => update({ environmentType: e.target.value as CloneForm['environmentType'] })}>
              {ENVIRONMENT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t[0]?.toUpperCase() + t.slice(1)}
                </option>
              ))}
            </select>
          </Field>
          {form.environmentType === 'production' && <div className="banner banner-orange">Production type: use with caution.</div>}
          <label className="check">
            <input type="checkbox" checked={form.crossServer} onChange={(e) => update({ crossServer: e.target.checked, serverId: '' })} disabled={otherServers.length === 0} /> Clone to
            different server
          </label>
          {form.crossServer && (
            <Field label="Target server" error={errors.serverId}>
              <select value={form.serverId} onChange={(e) => update({ serverId: e.target.value })}>
                <option value="">Choose a server…</option>
                {otherServers.map((s) => (
                  <option key={s.id} value={s.id} disabled={s.status !== 'RUNNING'}>
                    {s.name} — {s.status}
                    {s.disk ? ` — Available: ${formatBytes(s.disk.free_bytes)} / ${formatBytes(s.disk.total_bytes)}` : ''}
                  </option>
                ))}
              </select>
            </Field>
          )}
          <Field label="Domain (optional)" error={errors.domain} hint="Leave blank for an auto-generated subdomain">
            <input value={form.domain} onChange={(e) => update({ domain: e.target.value })} placeholder="staging.mycompany.com" autoComplete="off" spellCheck={false} />
          </Field>
        </>
      ) : (
        <>
          <Field label="Target environment" error={errors.replaceId}>
            <select value={form.replaceId} onChange={(e) => update({ replaceId: e.target.value, confirmName: '', understood: false })}>
              <option value="">Choose an environment…</option>
              {others.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.name} ({e.type}) - {e.status}
                </option>
              ))}
            </select>
          </Field>
          {target && (
            <>
              <div className="banner banner-red" role="alert">
                This will destroy the current data in {target.name}!
              </div>
              <Field label={`Type environment name to confirm: ${target.name}`} error={form.confirmName ? errors.confirmName : undefined}>
                <input value={form.confirmName} onChange={(e) => update({ confirmName: e.target.value })} autoComplete="off" spellCheck={false} />
              </Field>
              <label className="check">
                <input type="checkbox" checked={form.understood} onChange={(e) => update({ understood: e.target.checked })} /> I understand this is destructive
              </label>
            </>
          )}
        </>
      )}
    </div>
  );
}

function OptionsTab({ form, update, estimate }: TabProps & { estimate: Estimate | null }) {
  return (
    <div className="stack">
      <label className="check">
        <input type="checkbox" checked={form.includeFilestore} onChange={(e) => update({ includeFilestore: e.target.checked })} /> Include filestore
        {estimate && (
          <span className="muted">
            {' '}
            ({formatBytes(estimate.filestore_bytes)}, {estimate.filestore_files} files)
          </span>
        )}
      </label>
      <p className="muted small">Attachments and uploads. Leave out for a structure-only clone or to go faster.</p>
      <label className="check">
        <input type="checkbox" checked={form.compress} onChange={(e) => update({ compress: e.target.checked })} /> Database compression
      </label>
      <p className="muted small">Compress the database stream: slower dump, faster transfer. Recommended across servers.</p>
      <label className="check">
        <input type="checkbox" checked={form.parallelTransfer} onChange={(e) => update({ parallelTransfer: e.target.checked })} /> Parallel transfer
      </label>
      <p className="muted small">Several streams for the filestore (cross-server clones only).</p>
    </div>
  );
}

function SummaryPanel({
  form,
  source,
  others,
  servers,
  estimate,
  loading,
  error,
}: {
  form: CloneForm;
  source: Environment;
  others: Environment[];
  servers: Server[];
  estimate: Estimate | null;
  loading: boolean;
  error: ApiErrorInfo | null;
}) {
  const options = effectiveOptions(form);
  const count = Object.values(options).filter(Boolean).length;
  const replaced = others.find((e) => e.id === form.replaceId);
  const server = form.crossServer ? servers.find((s) => s.id === form.serverId) : null;
  return (
    <aside className="summary" aria-label="Summary">
      <h3>Summary</h3>
      <dl>
        <dt>Source</dt>
        <dd>
          {source.name} ({source.status})
        </dd>
        <dt>Target</dt>
        <dd>{form.mode === 'create_new' ? `${form.name || '—'} (NEW)` : replaced ? `${replaced.name} (REPLACE)` : '—'}</dd>
        <dt>Server</dt>
        <dd>{form.mode === 'create_new' && form.crossServer ? (server?.name ?? '—') : 'same-server'}</dd>
        <dt>Sanitization</dt>
        <dd>
          {form.preset[0]?.toUpperCase() + form.preset.slice(1)} ({count} options)
        </dd>
        <dt>Include filestore</dt>
        <dd>{form.includeFilestore ? `Yes${estimate ? ` (${formatBytes(estimate.filestore_bytes)})` : ''}` : 'No'}</dd>
        <dt>Data path</dt>
        <dd title={estimate?.data_path?.reason}>{estimate?.data_path ? DATA_PATH_LABEL[estimate.data_path.kind] : '—'}</dd>
        <dt>Estimated duration</dt>
        <dd>{estimate ? `~${formatDuration(estimate.estimated_duration_seconds)}` : loading ? 'estimating…' : '—'}</dd>
        <dt>Estimated size</dt>
        <dd>{estimate ? `${formatBytes(estimate.estimated_size_bytes)} total` : '—'}</dd>
      </dl>
      {estimate && (
        <>
          <p className={estimate.quota.ok ? 'ok' : 'bad'}>
            {estimate.quota.ok ? '✓' : '✕'} {estimate.quota.message}
          </p>
          <p className={estimate.disk.ok ? 'ok' : 'bad'}>
            {estimate.disk.ok ? '✓' : '✕'} {estimate.disk.message}
          </p>
        </>
      )}
      <ErrorNote error={error} title="Estimate:" />
    </aside>
  );
}
