/**
 * CMS SignedData as CAdES baseline wants it (ETSI EN 319 122): signed
 * attributes contentType, messageDigest and signingCertificateV2, no
 * signingTime (the PDF's /M and the timestamp carry the time), and an
 * optional RFC 3161 signature timestamp as unsigned attribute.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, der, ecdsaSha256, parseCertificate, sha256, sha256Alg, signingCertificateV2Attr, toAB } from './asn1.ts';
import type { Signer } from './signer.ts';

export interface CmsInput {
  signer: Signer;
  /** SHA-256 of the content: the PDF's byte ranges, or the encapsulated content */
  contentDigest: Buffer;
  /** default id-data (detached content) */
  eContentType?: string;
  /** encapsulated content (e.g. a TSTInfo); absent for detached signatures */
  eContent?: Buffer;
  /** put the signer's certificate (and its issuing CAs, never the root) in the SignedData */
  includeCertificates?: boolean;
  /** RFC 3161: returns a timestamp token (ContentInfo DER) over the given signature value's SHA-256 */
  timestamp?: (signatureValueDigest: Buffer) => Promise<Buffer>;
}

/** DER requires SET OF members sorted by their encodings. */
function sortedAttributes(attrs: pkijs.Attribute[]): pkijs.Attribute[] {
  return attrs.map((a) => ({ a, d: der(a) })).sort((x, y) => Buffer.compare(x.d, y.d)).map((x) => x.a);
}

/** The bytes a SignerInfo's signature covers: the signed attributes as a SET (tag 0x31). */
export function signedAttributesBytes(attrs: pkijs.SignedAndUnsignedAttributes): Buffer {
  const bytes = Buffer.from(attrs.encodedValue.byteLength ? new Uint8Array(attrs.encodedValue) : new Uint8Array(attrs.toSchema().toBER(false)));
  const copy = Buffer.from(bytes);
  copy[0] = 0x31;
  return copy;
}

export async function buildSignedData(input: CmsInput): Promise<Buffer> {
  const cert = parseCertificate(input.signer.certificate);
  const eContentType = input.eContentType ?? OID.data;
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: sortedAttributes([
      new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: eContentType })] }),
      new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: toAB(input.contentDigest) })] }),
      signingCertificateV2Attr(input.signer.certificate),
    ]),
  });
  const tbs = signedAttributesBytes(signedAttrs);
  const signature = Buffer.from(await input.signer.sign(sha256(tbs), tbs));

  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: sha256Alg(),
    signedAttrs,
    signatureAlgorithm: ecdsaSha256(),
    signature: new asn1js.OctetString({ valueHex: toAB(signature) }),
  });
  if (input.timestamp) {
    const token = await input.timestamp(sha256(signature));
    const tokenSchema = asn1js.fromBER(toAB(token)).result;
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 1, attributes: [new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [tokenSchema] })] });
  }

  const certificates = input.includeCertificates === false ? undefined : [cert, ...input.signer.chain.slice(0, -1).map((c) => parseCertificate(c))];
  const signedData = new pkijs.SignedData({
    version: eContentType === OID.data ? 1 : 3,
    digestAlgorithms: [sha256Alg()],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType,
      ...(input.eContent ? { eContent: new asn1js.OctetString({ valueHex: toAB(input.eContent) }) } : {}),
    }),
    ...(certificates ? { certificates } : {}),
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return der(contentInfo);
}

export interface ParsedCms {
  signedData: pkijs.SignedData;
  signerInfo: pkijs.SignerInfo;
  certificates: pkijs.Certificate[];
}

/** Parse a CMS ContentInfo (trailing zero padding, as in a PDF's /Contents, is ignored). */
export function parseCms(bytes: Uint8Array): ParsedCms {
  const parsed = asn1js.fromBER(toAB(bytes));
  if (parsed.offset === -1) throw new Error('not DER');
  const ci = new pkijs.ContentInfo({ schema: parsed.result });
  if (ci.contentType !== OID.signedData) throw new Error('not a SignedData');
  const signedData = new pkijs.SignedData({ schema: ci.content });
  const signerInfo = signedData.signerInfos[0];
  if (!signerInfo || signedData.signerInfos.length !== 1) throw new Error('expected exactly one signer');
  const certificates = (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  return { signedData, signerInfo, certificates };
}

export function attribute(attrs: pkijs.SignedAndUnsignedAttributes | undefined, oid: string): pkijs.Attribute | undefined {
  return attrs?.attributes.find((a) => a.type === oid);
}

/** The certificate in the list that the SignerInfo names (issuer and serial). */
export function signerCertificate(p: ParsedCms): pkijs.Certificate | undefined {
  const sid = p.signerInfo.sid as pkijs.IssuerAndSerialNumber;
  if (!(sid instanceof pkijs.IssuerAndSerialNumber)) return undefined;
  return p.certificates.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber));
}
