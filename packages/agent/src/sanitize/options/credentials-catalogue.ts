// The explicit catalogue behind clear_api_keys: which columns hold credentials, which rows must
// leave live mode, which system parameters are secrets and which are never deleted. Columns that
// a database lacks are skipped; names from other Odoo versions and providers are listed so that a
// database that has them is covered. Identifiers here are the only ones the option ever writes.

/** Per-provider credential columns of payment_provider (Odoo 16–18, community providers). */
export const PAYMENT_SECRETS = [
  'stripe_publishable_key', 'stripe_secret_key', 'stripe_webhook_secret',
  'adyen_merchant_account', 'adyen_api_key', 'adyen_client_key', 'adyen_hmac_key',
  'authorize_login', 'authorize_transaction_key', 'authorize_signature_key', 'authorize_client_key',
  'paypal_email_account', 'paypal_seller_account', 'paypal_pdt_token', 'paypal_client_id',
  'paypal_client_secret', 'paypal_webhook_id', 'paypal_access_token',
  'mollie_api_key',
  'mercado_pago_access_token',
  'asiapay_merchant_id', 'asiapay_secure_hash_secret',
  'razorpay_key_id', 'razorpay_key_secret', 'razorpay_webhook_secret', 'razorpay_account_id',
  'razorpay_refresh_token', 'razorpay_public_token', 'razorpay_access_token',
  'alipay_merchant_partner_id', 'alipay_md5_signature_key', 'alipay_seller_email',
  'aps_merchant_identifier', 'aps_access_code', 'aps_sha_request', 'aps_sha_response',
  'buckaroo_website_key', 'buckaroo_secret_key',
  'flutterwave_public_key', 'flutterwave_secret_key', 'flutterwave_webhook_secret',
  'ogone_pspid', 'ogone_userid', 'ogone_password', 'ogone_shakey_in', 'ogone_shakey_out',
  'payulatam_merchant_id', 'payulatam_account_id', 'payulatam_api_key',
  'payumoney_merchant_key', 'payumoney_merchant_salt',
  'sips_merchant_id', 'sips_secret',
  'xendit_secret_key', 'xendit_webhook_token',
  'worldline_pspid', 'worldline_api_key', 'worldline_api_secret', 'worldline_webhook_key', 'worldline_webhook_secret',
  'nuvei_merchant_identifier', 'nuvei_site_identifier', 'nuvei_secret_key',
  'iyzico_key_id', 'iyzico_key_secret',
  'dpo_company_token', 'dpo_service_ref',
  'redsys_merchant_code', 'redsys_secret_key',
  'paymob_public_key', 'paymob_secret_key', 'paymob_api_key', 'paymob_hmac_key',
] as const;

/** Carrier credentials (enterprise connectors; absent in community databases). */
export const CARRIER_SECRETS = [
  'fedex_developer_key', 'fedex_developer_password', 'fedex_account_number', 'fedex_meter_number',
  'fedex_rest_developer_key', 'fedex_rest_developer_password', 'fedex_rest_account_number',
  'ups_username', 'ups_passwd', 'ups_shipper_number', 'ups_access_number',
  'ups_rest_client_id', 'ups_rest_client_secret', 'ups_rest_access_number',
  'dhl_SiteID', 'dhl_password', 'dhl_account_number', 'dhl_api_key', 'dhl_api_secret',
  'usps_username', 'easypost_test_api_key', 'easypost_production_api_key',
  'sendcloud_public_key', 'sendcloud_secret_key', 'bpost_account_number', 'bpost_developer_password',
  'shiprocket_password', 'shiprocket_access_token', 'starshipit_api_key', 'starshipit_subscription_key',
] as const;

/** Delivery types that call no external service (Odoo keeps them active). */
export const LOCAL_DELIVERY_TYPES = ['fixed', 'base_on_rule'] as const;

/** Parameters deleted outright (web push keys, cloud storage accounts, push notification ids). */
export const DELETED_PARAMS = [
  'mail.web_push_vapid_private_key',
  'mail.web_push_vapid_public_key',
  'mail.sfu_server_key',
  'mail.twilio_account_sid',
  'cloud_storage_google_bucket_name',
  'cloud_storage_google_account_info',
  'cloud_storage_azure_account_name',
  'cloud_storage_azure_container_name',
  'cloud_storage_azure_tenant_id',
  'cloud_storage_azure_client_id',
  'cloud_storage_azure_client_secret',
  'odoo_ocn.project_id',
  'ocn.uuid',
] as const;

/** Parameters blanked, not deleted (Odoo's captcha modules read '' as "not configured"). */
export const BLANKED_PARAMS = [
  'recaptcha_public_key',
  'recaptcha_private_key',
  'cf.turnstile_site_key',
  'cf.turnstile_secret_key',
] as const;

/**
 * Key patterns of parameters deleted (ILIKE): credentials by name, and every cloud storage
 * setting (a staging must not write attachments into production's bucket).
 */
export const SECRET_PARAM_PATTERNS = [
  '%api_key%',
  '%apikey%',
  '%secret%',
  '%token%',
  '%password%',
  '%private_key%',
  'cloud\\_storage\\_%',
] as const;

/**
 * Never deleted by any option: the identity of the database (regenerated or restored by the
 * identity step), URLs, and settings whose names merely contain a pattern word.
 */
export const NEVER_DELETE_PARAMS = [
  'database.secret',
  'database.uuid',
  'database.create_date',
  'database.enterprise_code',
  'database.expiration_date',
  'database.expiration_reason',
  'database.is_neutralized',
  'web.base.url',
  'web.base.url.freeze',
  'report.url',
  'auth_signup.reset_password',
  'auth_password_policy.minlength',
  'base.login_cooldown_after',
  'base.login_cooldown_duration',
] as const;

/** The IAP suffix that the IAP server treats as a disabled account (documented by Odoo). */
export const IAP_DISABLED_SUFFIX = '+disabled';
/** What Odoo writes into neutralized webhook actions. */
export const NEUTRAL_WEBHOOK = 'neutralization - disable webhook';

/** Column names that look like credentials, for warning about uncatalogued ones. */
export const CREDENTIAL_LIKE_COLUMN = /(_key|_secret|_token|_account|_password|_passwd|_salt)$|signature|seller|merchant/;
