/**
 * RFC 3161 timestamps. Civitas has its own timestamp authority (POST /pki/tsa,
 * application/timestamp-query -> application/timestamp-reply), signed with a
 * certificate whose only extended key usage is timeStamping (critical);
 * `openssl ts -verify` accepts its tokens. CIVITAS_TSA_URL points signing at
 * an external authority instead.
 */
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, TSA_POLICY_OID, der, parseCertificate, sha256, toAB } from './asn1.ts';
import { buildSignedData, parseCms } from './cms.ts';
import type { Signer } from './signer.ts';

const HASH_LENGTHS: Record<string, number> = { [OID.sha256]: 32, '2.16.840.1.101.3.4.2.2': 48, '2.16.840.1.101.3.4.2.3': 64 };

/** PKIFailureInfo bits (RFC 3161 section 2.4.2) */
const FAIL = { badAlg: 0, badRequest: 2, badDataFormat: 5, unacceptedPolicy: 15, unacceptedExtension: 16, systemFailure: 25 } as const;

export class TsaRejection extends Error {
  constructor(readonly failure: keyof typeof FAIL, message: string) { super(message); }
}

function failInfo(bit: number): asn1js.BitString {
  const bytes = new Uint8Array(Math.floor(bit / 8) + 1);
  bytes[Math.floor(bit / 8)] = 0x80 >> (bit % 8);
  return new asn1js.BitString({ valueHex: bytes.buffer, unusedBits: 7 - (bit % 8) });
}

export interface TimestampRequest { hashAlgorithm: string; hashedMessage: Buffer; nonce?: asn1js.Integer; certReq: boolean; policy?: string }

export function parseTimestampRequest(body: Uint8Array): TimestampRequest {
  let req: pkijs.TimeStampReq;
  try {
    req = pkijs.TimeStampReq.fromBER(toAB(body));
  } catch {
    throw new TsaRejection('badDataFormat', 'the request is not a DER TimeStampReq');
  }
  if (req.version !== 1) throw new TsaRejection('badRequest', 'unsupported version');
  const alg = req.messageImprint.hashAlgorithm.algorithmId;
  const hashed = Buffer.from(req.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!HASH_LENGTHS[alg]) throw new TsaRejection('badAlg', 'hash algorithm not accepted: use SHA-256, SHA-384 or SHA-512');
  if (hashed.length !== HASH_LENGTHS[alg]) throw new TsaRejection('badDataFormat', 'the hashed message has the wrong length');
  if (req.reqPolicy && req.reqPolicy !== TSA_POLICY_OID) throw new TsaRejection('unacceptedPolicy', 'unknown policy');
  if (req.extensions?.length) throw new TsaRejection('unacceptedExtension', 'extensions are not supported');
  return { hashAlgorithm: alg, hashedMessage: hashed, nonce: req.nonce, certReq: !!req.certReq, policy: req.reqPolicy };
}

/** A timestamp token (ContentInfo with SignedData over a TSTInfo), signed by the TSA. */
export async function createTimestampToken(signer: Signer, req: TimestampRequest, now: Date): Promise<Buffer> {
  const tsaCert = parseCertificate(signer.certificate);
  const tstInfo = new pkijs.TSTInfo({
    version: 1,
    policy: TSA_POLICY_OID,
    messageImprint: new pkijs.MessageImprint({ hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: req.hashAlgorithm }), hashedMessage: new asn1js.OctetString({ valueHex: toAB(req.hashedMessage) }) }),
    serialNumber: new asn1js.Integer({ valueHex: toAB(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])) }),
    genTime: new Date(Math.floor(now.getTime() / 1000) * 1000),
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(req.nonce ? { nonce: req.nonce } : {}),
    tsa: new pkijs.GeneralName({ type: 4, value: tsaCert.subject }),
  });
  const content = der(tstInfo);
  return buildSignedData({ signer, contentDigest: sha256(content), eContentType: OID.tstInfo, eContent: content, includeCertificates: req.certReq });
}

/** Answer a TimeStampReq: a granted TimeStampResp with a token, or a rejection that says why. */
export async function answerTimestampQuery(signer: () => Promise<Signer>, body: Uint8Array, now: Date): Promise<Buffer> {
  try {
    const req = parseTimestampRequest(body);
    const token = await createTimestampToken(await signer(), req, now);
    const resp = new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: 0 }),
      timeStampToken: new pkijs.ContentInfo({ schema: asn1js.fromBER(toAB(token)).result }),
    });
    return der(resp);
  } catch (e) {
    const failure = e instanceof TsaRejection ? e.failure : 'systemFailure';
    const resp = new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: 2, statusStrings: [new asn1js.Utf8String({ value: e instanceof TsaRejection ? e.message : 'internal error' })], failInfo: failInfo(FAIL[failure]) }),
    });
    if (!(e instanceof TsaRejection)) throw Object.assign(e as Error, { tsaResponse: der(resp) });
    return der(resp);
  }
}

export function encodeTimestampRequest(digest: Buffer, nonce: Buffer): Buffer {
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({ hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }), hashedMessage: new asn1js.OctetString({ valueHex: toAB(digest) }) }),
    nonce: new asn1js.Integer({ valueHex: toAB(nonce) }),
    certReq: true,
  });
  return der(req);
}

/** The TSTInfo inside a token. */
export function readTstInfo(token: Uint8Array): pkijs.TSTInfo {
  const cms = parseCms(token);
  if (cms.signedData.encapContentInfo.eContentType !== OID.tstInfo) throw new Error('not a timestamp token');
  const content = cms.signedData.encapContentInfo.eContent!;
  return pkijs.TSTInfo.fromBER(toAB(Buffer.from(content.getValue())));
}

export interface TimestampSource {
  /** a timestamp token over this SHA-256 digest */
  timestamp(digest: Buffer): Promise<Buffer>;
  readonly description: string;
}

/** Civitas's own TSA, called in-process. */
export class InternalTsa implements TimestampSource {
  readonly description = 'built-in';
  constructor(private readonly signer: () => Promise<Signer>, private readonly clock: () => Date) {}
  async timestamp(digest: Buffer): Promise<Buffer> {
    return createTimestampToken(await this.signer(), { hashAlgorithm: OID.sha256, hashedMessage: digest, certReq: true, nonce: new asn1js.Integer({ valueHex: toAB(Buffer.concat([Buffer.from([1]), randomBytes(7)])) }) }, this.clock());
  }
}

/** An external RFC 3161 authority over HTTP(S). */
export class RemoteTsa implements TimestampSource {
  constructor(private readonly url: string) {}
  get description() { return this.url; }
  async timestamp(digest: Buffer): Promise<Buffer> {
    const nonce = Buffer.concat([Buffer.from([1]), randomBytes(7)]);
    const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: new Uint8Array(encodeTimestampRequest(digest, nonce)), signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`the timestamp authority answered HTTP ${res.status}`);
    const resp = pkijs.TimeStampResp.fromBER(await res.arrayBuffer());
    if (resp.status.status !== 0 && resp.status.status !== 1) throw new Error(`the timestamp authority refused (status ${resp.status.status})`);
    if (!resp.timeStampToken) throw new Error('the timestamp authority sent no token');
    const token = der(resp.timeStampToken);
    const info = readTstInfo(token);
    if (!Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView).equals(digest)) throw new Error('the timestamp covers another digest');
    if (!info.nonce || !Buffer.from(info.nonce.valueBlock.valueHexView).equals(nonce)) throw new Error('the timestamp nonce does not match');
    return token;
  }
}
