/**
 * PayNow dynamic SGQR: an EMVCo merchant-presented QR payload. TLV fields
 * (2-digit id, 2-digit length, value); the merchant account template 26 holds
 * SG.PAYNOW, the proxy type (2: UEN), the UEN, "not editable" and the expiry
 * date; 54 is the amount, 62/01 the bill reference the bank's credit carries
 * back; 63 a CRC16-CCITT (poly 0x1021, init 0xFFFF) over everything before it,
 * "6304" included. parseTlv() decodes it again (tests use it as an independent check).
 */

export function crc16(input: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(input, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

function tlv(id: string, value: string): string {
  const len = Buffer.byteLength(value, 'utf8');
  if (len > 99) throw new Error(`SGQR field ${id} is too long (${len})`);
  return `${id}${String(len).padStart(2, '0')}${value}`;
}

export interface PayNowQr {
  uen: string;
  amountCents: number;
  /** YYYYMMDD, Singapore date */
  expiry: string;
  billReference: string;
  merchantName: string;
  merchantCity?: string;
}

/** "10.50" from 1050 cents. */
export const decimalAmount = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

export function paynowPayload(q: PayNowQr): string {
  const name = q.merchantName.replace(/[^\x20-\x7e]/g, '').slice(0, 25);
  const ref = q.billReference.replace(/[^\x20-\x7e]/g, '').slice(0, 25);
  const body = [
    tlv('00', '01'),
    tlv('01', '12'),
    tlv('26', tlv('00', 'SG.PAYNOW') + tlv('01', '2') + tlv('02', q.uen) + tlv('03', '0') + tlv('04', q.expiry)),
    tlv('52', '0000'),
    tlv('53', '702'),
    tlv('54', decimalAmount(q.amountCents)),
    tlv('58', 'SG'),
    tlv('59', name),
    tlv('60', q.merchantCity ?? 'Singapore'),
    tlv('62', tlv('01', ref)),
  ].join('');
  const withCrcId = `${body}6304`;
  return withCrcId + crc16(withCrcId);
}

export interface TlvField { id: string; value: string; children?: TlvField[] }

/** Decode a payload into its fields (templates 26-51 and 62 decoded one level down). */
export function parseTlv(payload: string): TlvField[] {
  const out: TlvField[] = [];
  let i = 0;
  while (i < payload.length) {
    const id = payload.slice(i, i + 2);
    const len = Number(payload.slice(i + 2, i + 4));
    if (!/^\d{2}$/.test(id) || Number.isNaN(len)) throw new Error(`bad TLV at ${i}`);
    const value = payload.slice(i + 4, i + 4 + len);
    if (value.length !== len) throw new Error(`truncated TLV field ${id}`);
    const n = Number(id);
    out.push((n >= 26 && n <= 51) || n === 62 ? { id, value, children: parseTlv(value) } : { id, value });
    i += 4 + len;
  }
  return out;
}

/** Is the CRC (the last 4 characters) right for the rest? */
export function crcValid(payload: string): boolean {
  return payload.length > 8 && payload.slice(-8, -4) === '6304' && crc16(payload.slice(0, -4)) === payload.slice(-4);
}
