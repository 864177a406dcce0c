/**
 * A real SMTP server in the test process (smtp-server, STARTTLS with its
 * built-in certificate): Civitas holds a real SMTP conversation with it, and
 * the test reads what arrived. stop() and start() again on the same port make
 * a mail server that goes away and comes back.
 */
import net from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** over TLS (STARTTLS) */
  secure: boolean;
  headers: Record<string, string>;
  body: string;
}

/** Unfold headers, decode RFC 2047 words (base64 / quoted-printable, UTF-8) and a quoted-printable or base64 body. */
export function parseMail(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  let body = raw.slice(split + 4);
  const cte = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (cte === 'quoted-printable') body = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  else if (cte === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
  return { headers, body: body.replace(/\r\n/g, '\n').trim() };
}

function decodeWords(v: string): string {
  return v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_m, enc: string, text: string) => enc.toLowerCase() === 'b'
    ? Buffer.from(text, 'base64').toString('utf8')
    : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  port = 0;
  /** recipients the server refuses for good (550) */
  readonly unknownMailboxes = new Set<string>();

  async start(port = this.port): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true, logger: false, disableReverseLookup: true,
      onRcptTo: (address, _session, cb) => {
        if (this.unknownMailboxes.has(address.address)) {
          const err = new Error('5.1.1 No such mailbox') as Error & { responseCode: number };
          err.responseCode = 550;
          return cb(err);
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          this.received.push({ from: session.envelope.mailFrom ? (session.envelope.mailFrom as { address: string }).address : '', to: session.envelope.rcptTo.map((r) => r.address), raw, secure: session.secure, ...parseMail(raw) });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** For CIVITAS_SMTP_URL: STARTTLS is required by Civitas; the test server's certificate is self-signed. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}/?tls.rejectUnauthorized=false`;
  }

  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address));
  }
}
