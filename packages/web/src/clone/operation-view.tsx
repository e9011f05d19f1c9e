// What a clone operation looks like while it runs and after: the header (status badge, progress
// bar, elapsed, remaining), the current step and its detail, the ten steps, the log; then the
// success card (sanitization results, proof, the target environment) or the failure state
// (failed step, error code and message, full logs, Retry Clone).
import { useEffect, useRef, useState } from 'react';
import { describeRuleOutcome, SANITIZATION_OPTIONS } from '@oec/shared';
import type { CloneOperation, LogEntry } from '@oec/shared';
import { Badge } from '../components/ui.js';
import { formatClock, formatDuration, formatEta } from '../logic/format.js';
import { STEP_ICON, currentStep, currentStepTitle, failedStep, isFinished, retryOffer, statusBadge, stepDetailLine } from '../logic/progress.js';

const LABELS = new Map<string, string>(SANITIZATION_OPTIONS.map((o) => [o.key, o.label]));

export function OperationView({ op, logs }: { op: CloneOperation; logs: LogEntry[] }) {
  const badge = statusBadge(op);
  const finished = isFinished(op);
  const title = currentStepTitle(op);
  const step = currentStep(op);
  const detail = step ? stepDetailLine(step) : null;
  const percent = Math.round(op.progress.progress_percent);
  return (
    <div className="operation">
      <div className="op-head">
        <Badge tone={badge.tone} busy={badge.busy}>
          {badge.label}
        </Badge>
        <span className="muted">
          {op.mode === 'replace' ? 'Replace' : 'New environment'} · {op.target.name}
          {op.cross_server ? ' · cross-server' : ''}
        </span>
      </div>
      <div className={`progress progress-${badge.tone}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label="Clone progress">
        <div style={{ width: `${percent}%` }} />
      </div>
      <div className="op-times">
        <span>{percent}% complete</span>
        <span>Elapsed: {formatDuration(op.progress.elapsed_seconds)}</span>
        {!finished && <span>Remaining: {formatEta(op.progress.eta_seconds)}</span>}
      </div>
      {!finished && title && (
        <div className="current-step">
          <strong>{title}</strong>
          {detail && <div className="muted">{detail}</div>}
        </div>
      )}
      {op.status === 'completed' && <SuccessCard op={op} />}
      {op.status === 'failed' && <FailureCard op={op} />}
      {op.status === 'cancelled' && (
        <div className="card card-gray">
          <strong>Clone cancelled.</strong> {op.error?.message ? `${op.error.message.replace(/\.$/, '')}.` : ''}{' '}
          {op.cleanup === 'pending' ? 'Removing what it created…' : op.cleanup === 'done' ? 'What it created was removed.' : ''}
        </div>
      )}
      <ol className="steps" aria-label="Clone steps">
        {op.progress.steps.map((s) => (
          <li key={s.key} className={`step step-${s.status}`}>
            <span className="step-icon" aria-hidden="true">
              {STEP_ICON[s.status]}
            </span>
            <span className="step-name">{s.name}</span>
            <span className="step-state">
              {s.status === 'completed' && s.duration_seconds !== null
                ? `Completed in ${formatDuration(s.duration_seconds)}`
                : s.status === 'in_progress'
                  ? `In progress… ${Math.round(s.progress_percent)}%`
                  : s.status === 'skipped'
                    ? 'Skipped'
                    : s.status === 'failed'
                      ? 'Failed'
                      : s.status === 'cancelled'
                        ? 'Cancelled'
                        : 'Waiting'}
            </span>
          </li>
        ))}
      </ol>
      <LogPanel logs={logs} open={op.status === 'failed'} />
    </div>
  );
}

function SuccessCard({ op }: { op: CloneOperation }) {
  const applied = op.sanitization_result.filter((r) => !r.skipped);
  const total = applied.reduce((n, r) => n + r.affected_rows, 0);
  return (
    <div className="card card-green">
      <h3>Completed in {formatDuration(op.duration_seconds)}</h3>
      <p>
        Sanitization applied: <strong>{op.sanitization_preset[0]?.toUpperCase() + op.sanitization_preset.slice(1)}</strong> preset ·{' '}
        {total} records affected
      </p>
      <ul className="results">
        {op.sanitization_result.map((r) => (
          <li key={r.option_key} className={r.success ? 'ok' : 'bad'}>
            {r.success ? '✓' : '✕'} {LABELS.get(r.option_key) ?? r.option_key}: {r.skipped ? `skipped${r.warning ? ` (${r.warning})` : ''}` : `${r.affected_rows} records`}
          </li>
        ))}
        {op.sanitization_rule_results.map((r) => (
          <li key={`rule-${r.rule_index}`} className="ok">
            ✓ Custom rule {r.rule_index} ({r.function} on {r.table}
            {r.column ? `.${r.column}` : ''}): {describeRuleOutcome(r)}
          </li>
        ))}
      </ul>
      {op.proof && (
        <p className={op.proof.passed ? 'ok' : 'bad'}>
          {op.proof.passed ? '✓ Proof passed' : '✕ Proof failed'}: {op.proof.checks.filter((c) => c.passed).length} of {op.proof.checks.length} checks hold on the
          target
        </p>
      )}
      {op.generated_password && (
        <p>
          Passwords were reset to <code>{op.generated_password}</code> (shown once).
        </p>
      )}
      <div className="target-card">
        <div>
          <div className="muted">Target environment</div>
          <strong>{op.target.name}</strong> <Badge tone={op.target.status === 'RUNNING' ? 'green' : 'gray'}>{op.target.status}</Badge>
          <div>
            <a href={op.target.url} target="_blank" rel="noreferrer">
              {op.target.url}
            </a>
          </div>
        </div>
        <a className="button primary" href={op.target.url} target="_blank" rel="noreferrer">
          Open Environment
        </a>
      </div>
    </div>
  );
}

function FailureCard({ op }: { op: CloneOperation }) {
  const step = failedStep(op);
  const offer = retryOffer(op);
  return (
    <div className="card card-red" role="alert">
      <h3>Step failed: {step ? step.name : 'before the first step'}</h3>
      <p>
        Error: <code>{op.error?.code}</code> {op.error?.message}
      </p>
      <p className="muted">
        {op.cleanup === 'pending'
          ? op.mode === 'replace'
            ? 'Putting the target back on its own data…'
            : 'Cleaning up the partial target…'
          : op.cleanup === 'done'
            ? op.mode === 'replace'
              ? 'The target kept its data.'
              : 'The partial target environment was removed.'
            : ''}
      </p>
      {offer?.enabled && offer.hint && <p className="muted">{offer.hint}.</p>}
    </div>
  );
}

function LogPanel({ logs, open }: { logs: LogEntry[]; open: boolean }) {
  const [expanded, setExpanded] = useState(open);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => setExpanded((e) => e || open), [open]);
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [logs.length, expanded]);
  const shown = expanded ? logs : logs.slice(-8);
  return (
    <section className="logs-section">
      <div className="logs-head">
        <h3>Logs</h3>
        <button type="button" className="link-button" onClick={() => setExpanded(!expanded)} aria-expanded={expanded}>
          {expanded ? 'Show recent only' : 'View full logs'}
        </button>
      </div>
      <div className={`logs${expanded ? ' logs-full' : ''}`} ref={ref} tabIndex={0} aria-label="Clone log">
        {shown.length === 0 && <div className="muted">No log lines yet.</div>}
        {shown.map((l) => (
          <div key={l.id} className={`log log-${l.level.toLowerCase()}`}>
            <span className="log-ts">[{formatClock(l.ts)}]</span> <span className="log-level">{l.level.padEnd(7)}</span> {l.message}
          </div>
        ))}
      </div>
    </section>
  );
}
