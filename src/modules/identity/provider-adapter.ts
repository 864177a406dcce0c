/**
 * oidc-provider's storage, in the database (both dialects), so that an
 * authorization started on one Civitas process can finish on another.
 * Clients of agency systems (client credentials) come from oauth_clients;
 * their secret is stored only as a hash (see provider.ts, compareClientSecret).
 */
import { fromJson, nowIso, toJson, type Db } from '../../platform/db/index.ts';
import { API_SCOPES } from './api-keys.ts';

const epoch = () => Math.floor(Date.now() / 1000);

export function databaseAdapter(db: Db) {
  return class DatabaseAdapter {
    constructor(readonly kind: string) {}

    async upsert(id: string, payload: Record<string, any>, expiresIn?: number): Promise<void> {
      const expiresAt = expiresIn ? nowIso(new Date(Date.now() + expiresIn * 1000)) : null;
      const row = {
        kind: this.kind, id, payload: toJson(payload), grant_id: payload.grantId ?? null, user_code: payload.userCode ?? null,
        uid: payload.uid ?? null, expires_at: expiresAt, consumed_at: null,
      };
      await db.insertInto('oidc_payloads').values(row)
        .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet({ payload: row.payload, grant_id: row.grant_id, user_code: row.user_code, uid: row.uid, expires_at: row.expires_at }))
        .execute();
    }

    private async findWhere(column: 'id' | 'uid' | 'user_code', value: string) {
      if (this.kind === 'Client') return column === 'id' ? findOAuthClient(db, value) : undefined;
      const r: any = await db.selectFrom('oidc_payloads').selectAll().where('kind', '=', this.kind).where(column, '=', value).executeTakeFirst();
      if (!r) return undefined;
      if (r.expires_at && Date.parse(r.expires_at) <= Date.now()) return undefined;
      const payload = fromJson<Record<string, any>>(r.payload);
      return { ...payload, ...(r.consumed_at ? { consumed: Math.floor(Date.parse(r.consumed_at) / 1000) } : {}) };
    }

    find(id: string) { return this.findWhere('id', id); }
    findByUid(uid: string) { return this.findWhere('uid', uid); }
    findByUserCode(userCode: string) { return this.findWhere('user_code', userCode); }

    async consume(id: string): Promise<void> {
      await db.updateTable('oidc_payloads').set({ consumed_at: nowIso(new Date(epoch() * 1000)) }).where('kind', '=', this.kind).where('id', '=', id).execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('kind', '=', this.kind).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
    }
  };
}

/** An agency system's OAuth client, as client metadata for the provider (the secret field holds its hash). */
export async function findOAuthClient(db: Db, clientId: string) {
  const r: any = await db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).where('revoked_at', 'is', null).executeTakeFirst();
  if (!r) return undefined;
  const scopes = fromJson<string[]>(r.scopes).filter((s) => (API_SCOPES as readonly string[]).includes(s));
  return {
    client_id: r.client_id, client_secret: r.secret_hash, client_name: r.name,
    grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic', scope: scopes.join(' '),
    'urn:civitas:agency': r.agency_id,
  };
}

/** Delete expired provider state (codes, tokens, sessions, interactions). */
export async function pruneProviderState(db: Db, now = new Date()): Promise<number> {
  const r = await db.deleteFrom('oidc_payloads').where('expires_at', '<', nowIso(now)).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}
