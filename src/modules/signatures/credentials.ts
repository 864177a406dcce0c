/**
 * Portable credentials: each issued document as a W3C Verifiable Credential
 * (VC Data Model 2.0) secured with JOSE (typ vc+jwt, ES256), signed with the
 * agency's seal key. Anyone can check it offline with the agency's published
 * keys: GET /pki/agencies/<agency>/jwks.json (every seal key the agency has
 * used, each with its certificate chain in x5c).
 */
import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ecdsaDerToJose, parseCertificate, sha256, spkiOf } from './asn1.ts';
import type { Signatures } from './service.ts';
import type { Signer } from './signer.ts';

const b64url = (v: string | Uint8Array) => Buffer.from(v).toString('base64url');

export function jwkOf(spki: Uint8Array): JWK {
  const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' }) as JWK;
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

export const kidOf = (spki: Uint8Array): Promise<string> => calculateJwkThumbprint(jwkOf(spki), 'sha256');
export const issuerUrl = (s: Signatures, agencyId: string) => `${s.ctx.config.baseUrl}/pki/agencies/${agencyId}`;
export const jwksUrl = (s: Signatures, agencyId: string) => `${issuerUrl(s, agencyId)}/jwks.json`;

export interface CredentialInput {
  id: string; agencyId: string; type: string; title: string; holderName: string; holderUen: string | null;
  reference: string; code: string; sha256: string; issuedAt: Date; validUntil: Date | null;
}

export async function signCredential(s: Signatures, signer: Signer, c: CredentialInput): Promise<string> {
  const issuer = issuerUrl(s, c.agencyId);
  const formattedCode = `${c.code.slice(0, 5)}-${c.code.slice(5)}`;
  const vc = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: `urn:uuid:${c.id}`,
    type: ['VerifiableCredential', 'CivitasIssuedDocument'],
    issuer: { id: issuer, name: s.agencyName(c.agencyId, 'en') },
    validFrom: c.issuedAt.toISOString(),
    ...(c.validUntil ? { validUntil: c.validUntil.toISOString() } : {}),
    credentialSubject: {
      name: c.holderName,
      ...(c.holderUen ? { uen: c.holderUen } : {}),
      document: { type: c.type, title: c.title, reference: c.reference, verificationCode: formattedCode, sha256: c.sha256 },
    },
    credentialStatus: { id: `${s.ctx.config.baseUrl}/api/v1/verify/${formattedCode}`, type: 'CivitasVerificationStatus' },
  };
  const payload = { ...vc, iss: issuer, jti: vc.id, iat: Math.floor(c.issuedAt.getTime() / 1000), nbf: Math.floor(c.issuedAt.getTime() / 1000), ...(c.validUntil ? { exp: Math.floor(c.validUntil.getTime() / 1000) } : {}) };
  const header = { alg: 'ES256', typ: 'vc+jwt', cty: 'vc', kid: await kidOf(signer.publicKey) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = await signer.sign(sha256(input), Buffer.from(input));
  return `${input}.${b64url(ecdsaDerToJose(signature))}`;
}

/** The agency's public keys: every seal certificate it has had that is not revoked. */
export async function agencyJwks(s: Signatures, agencyId: string): Promise<{ keys: JWK[] }> {
  const certs = (await s.pki.certificatesOf('agency', agencyId)).filter((c) => c.kind === 'seal' && c.status !== 'revoked');
  const keys: JWK[] = [];
  for (const c of certs) {
    const spki = spkiOf(parseCertificate(c.der));
    const chain = [c.der];
    let issuerId = c.issuerId;
    while (issuerId) { const i = (await s.pki.byId(issuerId))!; chain.push(i.der); issuerId = i.issuerId; }
    keys.push({ ...jwkOf(spki), kid: await kidOf(spki), use: 'sig', alg: 'ES256', x5c: chain.map((d) => d.toString('base64')) });
  }
  return { keys };
}
