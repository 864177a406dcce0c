/**
 * PAdES signatures (SubFilter ETSI.CAdES.detached): a signature field and a
 * placeholder are added with @signpdf/placeholder-pdf-lib, the byte ranges are
 * signed as CAdES by cms.ts (with an RFC 3161 signature timestamp when a
 * timestamp source is given: PAdES baseline B-T), and @signpdf puts the CMS in
 * the placeholder.
 */
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { Signer as SignPdfSigner, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import type { PDFDocument } from 'pdf-lib';
import { sha256 } from './asn1.ts';
import { buildSignedData } from './cms.ts';
import type { Signer } from './signer.ts';
import type { TimestampSource } from './tsa.ts';

/** Hex characters reserved for the CMS (half as many bytes): a timestamped CMS with two chains is ~4-8 KB. */
export const SIGNATURE_PLACEHOLDER = 32768;

class CadesSigner extends SignPdfSigner {
  constructor(private readonly signer: Signer, private readonly tsa: TimestampSource | undefined) { super(); }
  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    return buildSignedData({
      signer: this.signer, contentDigest: sha256(pdfBuffer),
      ...(this.tsa ? { timestamp: (d: Buffer) => this.tsa!.timestamp(d) } : {}),
    });
  }
}

export interface PadesOptions {
  signer: Signer;
  tsa?: TimestampSource;
  reason: string;
  name: string;
  location: string;
  contactInfo: string;
  signingTime: Date;
}

export async function signPdf(doc: PDFDocument, o: PadesOptions): Promise<Buffer> {
  pdflibAddPlaceholder({
    pdfDoc: doc, reason: o.reason, contactInfo: o.contactInfo, name: o.name, location: o.location, signingTime: o.signingTime,
    signatureLength: SIGNATURE_PLACEHOLDER, subFilter: SUBFILTER_ETSI_CADES_DETACHED, appName: 'Civitas',
  });
  const unsigned = Buffer.from(await doc.save({ useObjectStreams: false }));
  return new SignPdf().sign(unsigned, new CadesSigner(o.signer, o.tsa));
}
