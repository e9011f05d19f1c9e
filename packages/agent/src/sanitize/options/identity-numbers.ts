// anonymize_identity_numbers: identity, passport, SSN, permit and visa numbers, car plates, bank
// account numbers and VAT numbers, and employees' private data other than their contact (private
// address, birth date, spouse, emergency contact, …). Every column comes from the personal data
// map: personal/engine.ts masks them inside this option's savepoint (sanitize.ts) and the
// estimate counts them (estimate.ts); this module only names the option. Identity and bank numbers
// are masked whoever they belong to, VAT numbers except the companies' and staff's own.
import type { SanitizeOption } from '../types.js';

export const anonymizeIdentityNumbers: SanitizeOption = {
  key: 'anonymize_identity_numbers',
  apply() {
    return Promise.resolve(0);
  },
  proof() {
    return [];
  },
  estimate() {
    return Promise.resolve({ rows: 0, summary: 'no identity, bank or private data found' });
  },
};
