// The Sanitization tab: the four preset cards with their badges and option counts, the estimated
// impact per option (from the estimate endpoint), the options grouped by category, and the risk
// acknowledgement preset None (or mail servers left on) needs.
import { PRESET_OPTIONS, REQUIRED_OPTIONS } from '@oec/shared';
import type { Estimate } from '@oec/shared';
import { Badge } from '../components/ui.js';
import { CATEGORIES, PRESET_CARDS, effectiveOptions, needsAcknowledgement, optionsIn, withOption, withPreset } from '../logic/clone-form.js';
import type { CloneForm, FormErrors } from '../logic/clone-form.js';

export function SanitizationTab({
  form,
  setForm,
  estimate,
  errors,
}: {
  form: CloneForm;
  setForm: (f: CloneForm) => void;
  estimate: Estimate | null;
  errors: FormErrors;
}) {
  const options = effectiveOptions(form);
  const impact = new Map(estimate?.impact.map((i) => [i.option_key, i]) ?? []);
  return (
    <div className="stack">
      <div className="preset-grid" role="radiogroup" aria-label="Sanitization preset">
        {PRESET_CARDS.map((card) => (
          <button
            key={card.preset}
            type="button"
            role="radio"
            aria-checked={form.preset === card.preset}
            className={`preset-card${form.preset === card.preset ? ' selected' : ''}`}
            onClick={() => setForm(withPreset(form, card.preset))}
          >
            <span className="preset-title">{card.title}</span>
            <Badge tone={card.tone}>{card.badge}</Badge>
            <span className="muted small">{PRESET_OPTIONS[card.preset].length} options enabled</span>
            <span className="small">{card.blurb}</span>
          </button>
        ))}
      </div>
      {needsAcknowledgement(form) && (
        <div className="banner banner-red">
          <p>
            {form.preset === 'none'
              ? 'Preset None copies all production data: real customer emails and phone numbers, live API keys and payment credentials, production passwords, live mail servers.'
              : 'Mail servers stay enabled: the clone may send real email.'}
          </p>
          <label className="check">
            <input type="checkbox" checked={form.acknowledgeRisks} onChange={(e) => setForm({ ...form, acknowledgeRisks: e.target.checked })} /> I understand the risks of
            copying unsanitized production data
          </label>
          {errors.acknowledgeRisks && <span className="field-error">{errors.acknowledgeRisks}</span>}
        </div>
      )}
      {estimate && (
        <div className="impact">
          <h4>Estimated impact</h4>
          <ul>
            {estimate.impact
              .filter((i) => i.rows > 0 || i.summary)
              .map((i) => (
                <li key={i.option_key}>{i.summary}</li>
              ))}
          </ul>
          <p className="muted small">
            {estimate.total_records} records in total{estimate.api_keys_found ? ` · ${estimate.api_keys_found} API keys found` : ''}
          </p>
          <p className={estimate.personal_data.uncovered.length > 0 ? 'warning-text small' : 'muted small'}>
            Personal data: {estimate.personal_data.summary}
          </p>
        </div>
      )}
      {CATEGORIES.map((cat) => (
        <fieldset key={cat.key} className="option-group">
          <legend>{cat.label}</legend>
          {optionsIn(cat.key).map((o) => {
            const required = REQUIRED_OPTIONS.includes(o.key);
            const rows = impact.get(o.key);
            return (
              <label key={o.key} className="check option">
                <input type="checkbox" checked={options[o.key]} disabled={required} onChange={(e) => setForm(withOption(form, o.key, e.target.checked))} />
                <span>{o.label}</span>
                <span className={`priority priority-${o.priority.toLowerCase()}`}>{o.priority}</span>
                {rows && options[o.key] && <span className="muted small">{rows.approximate ? '~' : ''}{rows.rows} records</span>}
              </label>
            );
          })}
        </fieldset>
      ))}
    </div>
  );
}
