// anonymize_identity_numbers: identity, passport, SSN, permit and visa numbers, car plates, bank
// account numbers and VAT numbers, and employees' private data other than their contact (private
// address, birth date, spouse, emergency contact, …). Every column comes from the personal data
// map (personal/), masked by personal/engine.ts inside this option's savepoint; identity and bank
// numbers are masked whoever they belong to, VAT numbers except the companies' own.
import { loadPersonalMap } from '../personal/map.js';
import { countPersonalRows } from '../personal/estimate.js';
import { plural } from '../sql.js';
import type { SanitizeOption } from '../types.js';

export const anonymizeIdentityNumbers: SanitizeOption = {
  key: 'anonymize_identity_numbers',
  apply() {
    // the columns come from the map: see sanitize.ts, which runs personal/engine.ts for the option
    return Promise.resolve(0);
  },
  proof() {
    return [];
  },
  async estimate(ctx) {
    const map = await loadPersonalMap(ctx, { sample: false });
    const n = await countPersonalRows(ctx, map, 'anonymize_identity_numbers');
    return { rows: n, summary: `${plural(n, 'record')} with identity, bank or private data will be anonymized` };
  },
};
