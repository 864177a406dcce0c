import type { Kysely } from 'kysely';

/**
 * Identity and access (issue 3): the built-in OpenID provider's state and keys,
 * second factors, linked sign-in methods, sign-in requests to identity providers,
 * businesses and their representatives, OAuth clients of agency systems.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Everything oidc-provider keeps (sessions, interactions, codes, tokens, grants,
  // PAR requests, replay detection), so that any Civitas process can continue a flow.
  await db.schema.createTable('oidc_payloads')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('user_code', 'text')
    .addColumn('uid', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('consumed_at', 'text')
    .addPrimaryKeyConstraint('oidc_payloads_pk', ['kind', 'id'])
    .execute();
  await db.schema.createIndex('oidc_payloads_grant').on('oidc_payloads').column('grant_id').execute();
  await db.schema.createIndex('oidc_payloads_uid').on('oidc_payloads').column('uid').execute();
  await db.schema.createIndex('oidc_payloads_user_code').on('oidc_payloads').column('user_code').execute();
  await db.schema.createIndex('oidc_payloads_expires').on('oidc_payloads').column('expires_at').execute();

  // Signing and encryption keys: the provider's (owner 'op') and the relying party's ('rp').
  // Private halves are encrypted with the keyring; every process loads the same set.
  await db.schema.createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull()) // op | rp
    .addColumn('use', 'text', (c) => c.notNull()) // sig | enc
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk_enc', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull()) // active | retired
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .addColumn('remove_after', 'text')
    .execute();

  // Second factors.
  await db.schema.createTable('totp_factors')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('last_step', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey()) // credential id, base64url
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('public_key', 'text', (c) => c.notNull()) // COSE key, base64url
    .addColumn('counter', 'integer', (c) => c.notNull())
    .addColumn('transports', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('passkeys_account').on('passkeys').column('account_id').execute();
  // WebAuthn challenges waiting for the browser's answer (single use, a few minutes).
  await db.schema.createTable('webauthn_challenges')
    .addColumn('key', 'text', (c) => c.primaryKey()) // "session:<hash>" or "interaction:<uid>"
    .addColumn('challenge', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('recovery_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recovery_codes_account').on('recovery_codes').column('account_id').execute();

  // Sign-in methods linked to an account other than its password: Singpass, Corppass, other providers.
  await db.schema.createTable('external_identities')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('subject_hash', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addPrimaryKeyConstraint('external_identities_pk', ['provider', 'subject_hash'])
    .execute();
  await db.schema.createIndex('external_identities_account').on('external_identities').column('account_id').execute();

  // Authorization requests Civitas sent as a relying party (to itself or to Singpass, Corppass, ...):
  // state, nonce and PKCE verifier, bound to the browser that started them, usable once.
  await db.schema.createTable('auth_requests')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('secrets_enc', 'text', (c) => c.notNull()) // nonce, PKCE verifier, DPoP key
    .addColumn('next', 'text')
    .addColumn('interaction_uid', 'text')
    .addColumn('purpose', 'text', (c) => c.notNull()) // sign-in | link | demo
    .addColumn('account_id', 'text')
    .addColumn('acting_for', 'text') // a business chosen during sign-in (Corppass)
    .addColumn('result_enc', 'text') // an external provider's answer, waiting for the sign-in page to take it
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('auth_requests_interaction').on('auth_requests').column('interaction_uid').execute();

  // Businesses and the people who may act for them (identified by NRIC/FIN keyed hash, as Corppass does).
  await db.schema.createTable('businesses')
    .addColumn('uen', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();
  await db.schema.createTable('business_roles')
    .addColumn('uen', 'text', (c) => c.notNull().references('businesses.uen').onDelete('cascade'))
    .addColumn('nric_hash', 'text', (c) => c.notNull())
    .addColumn('nric_enc', 'text', (c) => c.notNull())
    .addColumn('name_enc', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'text')
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('business_roles_pk', ['uen', 'nric_hash'])
    .execute();
  await db.schema.createIndex('business_roles_person').on('business_roles').column('nric_hash').execute();

  // OAuth clients of agency systems (client credentials grant): only the secret's hash is kept.
  await db.schema.createTable('oauth_clients')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('agency_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();

  // How a session was authenticated (e.g. ["pwd","otp"]): officers need two factors.
  await db.schema.alterTable('sessions').addColumn('amr', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('amr').execute();
  for (const t of ['oauth_clients', 'business_roles', 'businesses', 'auth_requests', 'external_identities', 'recovery_codes', 'webauthn_challenges', 'passkeys', 'totp_factors', 'signing_keys', 'oidc_payloads']) {
    await db.schema.dropTable(t).execute();
  }
}
