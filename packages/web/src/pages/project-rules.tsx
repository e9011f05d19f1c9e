// The project's custom sanitization rules and sensitive models, read-only (they are set with PUT
// /api/v1/projects/{id}/sanitization-rules or `oec rules set`): table, column, function, filter;
// the models whose attachments the full preset replaces by placeholders.
import type { SanitizationRule } from '@oec/shared';
import { useSanitizationRules } from '../api/queries.js';
import { errorInfo } from '../api/trpc.js';
import { ErrorNote, Loading } from '../components/ui.js';

function filterText(r: SanitizationRule): string {
  const parts = (r.filter ?? []).map((c) => ('value' in c ? `${c.column} ${c.op} ${JSON.stringify(c.value)}` : `${c.column} ${c.op.replace(/_/g, ' ')}`));
  return parts.length > 0 ? parts.join(' and ') : 'every row';
}

export function SanitizationRules({ projectId }: { projectId: string }) {
  const rules = useSanitizationRules(projectId);
  return (
    <section aria-labelledby="rules-title" className="sanitization-rules">
      <h2 id="rules-title">Custom sanitization rules</h2>
      {rules.isPending && <Loading what="sanitization rules" />}
      {rules.error && <ErrorNote error={errorInfo(rules.error)} />}
      {rules.data && rules.data.rules.length === 0 && <p className="muted">No custom rules: clones apply the chosen options only.</p>}
      {rules.data && rules.data.rules.length > 0 && (
        <div className="table-wrap">
          <table className="rules-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Table</th>
                <th>Column</th>
                <th>Function</th>
                <th>Applies to</th>
              </tr>
            </thead>
            <tbody>
              {rules.data.rules.map((r, i) => (
                <tr key={i} data-rule={i}>
                  <td data-label="#">{i}</td>
                  <td data-label="Table">{r.table}</td>
                  <td data-label="Column">{r.column ?? 'all (table emptied)'}</td>
                  <td data-label="Function">{r.function === 'constant' ? `constant ${JSON.stringify(r.value)}` : r.function}</td>
                  <td data-label="Applies to">{filterText(r)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rules.data && <SensitiveModels models={rules.data.sensitive_models} />}
    </section>
  );
}

function SensitiveModels({ models }: { models: readonly string[] }) {
  return (
    <div className="sensitive-models">
      <h3 id="sensitive-models-title">Sensitive models</h3>
      {models.length === 0 ? (
        <p className="muted">None: the full preset keeps every attachment and clears share tokens only.</p>
      ) : (
        <>
          <p className="muted">With the full preset, their attachments (avatars, documents) are replaced by placeholders.</p>
          <ul aria-labelledby="sensitive-models-title" className="sensitive-models-list">
            {models.map((m) => (
              <li key={m}>
                <code>{m}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
