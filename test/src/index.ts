// Public surface of the test package: the Odoo-shaped test data generator and its helpers.
export * from './odoo/index.js';
