import { describe, expect, it } from 'vitest';
import { currentWorkLine } from './progress-detail.js';

describe('currentWorkLine', () => {
  it('says the option, the table and its rows done of the estimate', () => {
    expect(currentWorkLine({ current: { option: 'anonymize_emails', table: 'mail_message', rows_done: 120_000, rows_total: 460_000 } })).toBe(
      'anonymize_emails · mail_message 120,000 / 460,000 rows',
    );
    expect(currentWorkLine({ current: { option: 'proof', table: null, rows_done: null, rows_total: null } })).toBe('proof');
    expect(currentWorkLine({ current: { option: 'capture', table: 'res_partner', rows_done: null, rows_total: 0 } })).toBe('capture · res_partner');
    expect(currentWorkLine({ current: null })).toBeNull();
    expect(currentWorkLine({})).toBeNull();
  });
});
