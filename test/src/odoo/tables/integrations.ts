// Connections to the outside world, as a production database has them: outgoing mail servers with
// credentials, incoming mail servers, payment providers (live Stripe keys, one in test, one
// disabled), IAP tokens, OAuth providers, shipping carriers in production mode, websites with
// domains and analytics keys, and mail aliases. Each table is skipped when it was omitted.
import type { GenContext } from '../context.js';
import { companyDomain, pastTs, tr } from '../fake.js';
import { insertRows, type Row } from '../insert.js';

const audit = { create_uid: 2, write_uid: 2 };

export async function writeMailServers(ctx: GenContext): Promise<void> {
  if (!ctx.has('ir_mail_server')) return;
  const rng = ctx.rng.fork('mail-servers');
  const domain = companyDomain(ctx.partners[0]?.name ?? 'yourcompany');
  const servers: [string, string, number, string, boolean][] = [
    ['Office 365', 'smtp.office365.com', 587, 'starttls', true],
    ['Mailgun', 'smtp.mailgun.org', 465, 'ssl', true],
    ['Internal relay', `mail.${domain}`, 25, 'none', true],
    ['Old SendGrid', 'smtp.sendgrid.net', 587, 'starttls', false],
  ];
  const rows: Row[] = servers.map(([name, host, port, enc, active], i) => ({
    id: i + 1, smtp_port: port, sequence: 10 * (i + 1), ...audit, name, from_filter: i === 0 ? domain : null,
    smtp_host: host, smtp_authentication: 'login', smtp_user: i === 1 ? `postmaster@mg.${domain}` : `odoo@${domain}`,
    smtp_pass: rng.token(20), smtp_encryption: enc, smtp_debug: false, active, create_date: pastTs(rng), write_date: pastTs(rng, 60),
    smtp_ssl_certificate: null, smtp_ssl_private_key: null, google_gmail_access_token_expiration: null,
    google_gmail_authorization_code: null, google_gmail_refresh_token: null, google_gmail_access_token: null,
  }));
  await insertRows(ctx.client, 'ir_mail_server', rows);
  ctx.mailServerIds.push(...servers.flatMap(([, , , , active], i) => (active ? [i + 1] : [])));
}

export async function writeFetchmailServers(ctx: GenContext): Promise<void> {
  if (!ctx.has('fetchmail_server')) return;
  const rng = ctx.rng.fork('fetchmail');
  const domain = companyDomain(ctx.partners[0]?.name ?? 'yourcompany');
  const servers: [string, string, number, string, boolean, string][] = [
    ['Sales inbox', 'imap.gmail.com', 993, 'imap', true, `sales@${domain}`],
    ['Support POP', 'pop.gmail.com', 995, 'pop', true, `support@${domain}`],
    ['Old jobs inbox', `imap.${domain}`, 143, 'imap', false, `jobs@${domain}`],
  ];
  const rows: Row[] = servers.map(([name, server, port, type, active, user], i) => ({
    id: i + 1, port, object_id: 120 + i, priority: 5, ...audit, name, state: 'done', server, server_type: type,
    user, password: rng.token(16), script: null, configuration: null, active, is_ssl: port !== 143, attach: true,
    original: false, date: pastTs(rng, 1), create_date: pastTs(rng), write_date: pastTs(rng, 30),
    google_gmail_access_token_expiration: null, google_gmail_authorization_code: null,
    google_gmail_refresh_token: i === 0 ? `1//0${rng.token(60)}` : null, google_gmail_access_token: i === 0 ? `ya29.${rng.token(100)}` : null,
  }));
  await insertRows(ctx.client, 'fetchmail_server', rows);
  ctx.fetchmailIds.push(1, 2);
}

export async function writePaymentProviders(ctx: GenContext): Promise<void> {
  if (!ctx.has('payment_provider')) return;
  const rng = ctx.rng.fork('payment');
  const second = ctx.companyIds[1] ?? 1;
  const mod = (name: string): number | null => ctx.moduleIds.get(name) ?? null;
  const base = (id: number, code: string, name: string, state: string, company: number, module: string): Row => ({
    id, sequence: id, company_id: company, redirect_form_view_id: null, inline_form_view_id: null,
    token_inline_form_view_id: null, express_checkout_form_view_id: null, color: null, module_id: mod(module), ...audit,
    code, state, module_state: module === 'payment_paypal' ? 'uninstalled' : 'installed', name: tr(name), pre_msg: null,
    pending_msg: null, auth_msg: null, done_msg: null, cancel_msg: null, maximum_amount: null,
    is_published: state === 'enabled', allow_tokenization: code === 'stripe', capture_manually: false,
    allow_express_checkout: code === 'stripe', create_date: pastTs(rng), write_date: pastTs(rng, 30),
    stripe_publishable_key: null, stripe_secret_key: null, stripe_webhook_secret: null, so_reference_type: null,
    website_id: null,
  });
  const rows: Row[] = [
    { ...base(1, 'stripe', 'Stripe', 'enabled', 1, 'payment_stripe'), stripe_publishable_key: `pk_live_${rng.token(99)}`, stripe_secret_key: `sk_live_${rng.token(99)}`, stripe_webhook_secret: `whsec_${rng.token(32)}`, website_id: ctx.websiteIds[0] ?? null },
    { ...base(2, 'stripe', 'Stripe (staging shop)', 'test', second, 'payment_stripe'), stripe_publishable_key: `pk_test_${rng.token(99)}`, stripe_secret_key: `sk_test_${rng.token(99)}`, stripe_webhook_secret: `whsec_${rng.token(32)}` },
    base(3, 'paypal', 'PayPal', 'disabled', 1, 'payment_paypal'),
    { ...base(4, 'custom', 'Wire Transfer', 'enabled', 1, 'payment_custom'), pending_msg: tr('<p>Please use the order name as communication reference.</p>') },
  ];
  await insertRows(ctx.client, 'payment_provider', rows);
}

export async function writeIapAndOauth(ctx: GenContext): Promise<void> {
  const rng = ctx.rng.fork('iap-oauth');
  if (ctx.has('iap_account')) {
    const services = ['sms', 'partner_autocomplete', 'invoice_ocr', 'reveal'];
    await insertRows(ctx.client, 'iap_account', services.map((s, i) => ({ id: i + 1, ...audit, name: null, service_name: s, account_token: rng.hex(32), show_token: false, create_date: pastTs(rng), write_date: pastTs(rng, 30) })));
  }
  if (ctx.has('auth_oauth_provider')) {
    const providers: [string, string, string, string, boolean][] = [
      ['Odoo.com Accounts', 'https://accounts.odoo.com/oauth2/auth', 'userinfo', 'https://accounts.odoo.com/oauth2/tokeninfo', true],
      ['Facebook Graph', 'https://www.facebook.com/dialog/oauth', 'public_profile,email', 'https://graph.facebook.com/me', false],
      ['Google OAuth2', 'https://accounts.google.com/o/oauth2/auth', 'openid profile email', 'https://www.googleapis.com/oauth2/v3/tokeninfo', true],
    ];
    await insertRows(ctx.client, 'auth_oauth_provider', providers.map(([name, auth, scope, validation, enabled], i) => ({
      id: i + 1, sequence: 10 * (i + 1), ...audit, name, client_id: i === 1 ? null : `${rng.int(100000, 999999)}-${rng.token(24)}.apps.example.com`,
      auth_endpoint: auth, scope, validation_endpoint: validation, data_endpoint: null, css_class: 'fa fa-fw fa-sign-in text-primary',
      body: tr(`Log in with ${name.split(' ')[0] ?? name}`), enabled, create_date: pastTs(rng), write_date: pastTs(rng, 30),
    })));
  }
}

export async function writeDeliveryAndWebsites(ctx: GenContext): Promise<void> {
  const rng = ctx.rng.fork('delivery-website');
  if (ctx.has('delivery_carrier')) {
    const carriers: [string, string, boolean][] = [['Standard delivery', 'fixed', false], ['FedEx International', 'fedex', true], ['DHL Express', 'dhl', true], ['Pick-up in store', 'base_on_rule', false]];
    await insertRows(ctx.client, 'delivery_carrier', carriers.map(([name, type, prod], i) => ({
      id: i + 1, sequence: 10 * (i + 1), company_id: null, product_id: 40 + i, shipping_insurance: 0, ...audit, delivery_type: type,
      integration_level: type === 'fixed' || type === 'base_on_rule' ? 'rate' : 'rate_and_ship', invoice_policy: 'estimated',
      name: tr(name), carrier_description: null, active: true, prod_environment: prod, debug_logging: false, free_over: false,
      return_label_on_delivery: false, get_return_label_from_portal: false, create_date: pastTs(rng), write_date: pastTs(rng, 30),
      margin: 0, fixed_margin: 0, amount: 1000, fixed_price: type === 'fixed' ? 5.5 : 0,
    })));
  }
  if (ctx.has('website')) {
    const domain = companyDomain(ctx.partners[0]?.name ?? 'yourcompany');
    await insertRows(ctx.client, 'website', ctx.websiteIds.map((id, i) => ({
      id, sequence: 10 * id, company_id: ctx.companyIds[i] ?? 1, default_lang_id: 1, user_id: 3, theme_id: ctx.moduleIds.get('theme_default') ?? null,
      ...audit, name: i === 0 ? 'My Website' : `Shop ${id}`, domain: i === 0 ? `https://www.${domain}` : `https://shop${id}.${domain}`,
      social_twitter: null, social_facebook: null, social_github: null, social_linkedin: null, social_youtube: null,
      social_instagram: null, social_tiktok: null, google_analytics_key: `G-${rng.token(10).toUpperCase()}`,
      google_search_console: `google${rng.hex(16)}.html`, google_maps_api_key: `AIza${rng.token(35)}`, plausible_shared_key: rng.token(24),
      plausible_site: domain, cdn_url: i === 0 ? `https://cdn.${domain}` : null, homepage_url: null, auth_signup_uninvited: 'b2c',
      cdn_filters: '^/[^/]+/static/\n^/web/(css|js)/', custom_code_head: `<script>window.trackerId = '${rng.token(12)}';</script>`,
      custom_code_footer: null, robots_txt: 'User-agent: *\nAllow: /', auto_redirect_lang: true, cookies_bar: true,
      configurator_done: true, has_social_default_image: false, cdn_activated: i === 0, specific_user_account: false,
      create_date: pastTs(rng), write_date: pastTs(rng, 30),
    })));
  }
}

export async function writeMailAliases(ctx: GenContext): Promise<void> {
  if (!ctx.has('mail_alias')) return;
  const rng = ctx.rng.fork('aliases');
  const domain = companyDomain(ctx.partners[0]?.name ?? 'yourcompany');
  const names: [string, number][] = [['sales', 210], ['support', 230], ['jobs', 250], ['info', 210], ['invoices', 180]];
  await insertRows(ctx.client, 'mail_alias', names.map(([name, model], i) => ({
    id: i + 1, alias_domain_id: null, alias_model_id: model, alias_force_thread_id: null, alias_parent_model_id: null,
    alias_parent_thread_id: null, ...audit, alias_name: name, alias_full_name: `${name}@${domain}`, alias_contact: 'everyone',
    alias_status: 'valid', alias_bounced_content: null, alias_defaults: '{}', alias_incoming_local: false,
    create_date: pastTs(rng), write_date: pastTs(rng, 30),
  })));
}
