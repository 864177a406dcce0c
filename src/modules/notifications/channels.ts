/**
 * The ways out: email over SMTP (nodemailer) and SMS through a provider. A
 * channel either returns the provider's reference or throws SendFailure,
 * saying whether trying again could help (temporary) or not (permanent).
 */
import nodemailer, { type Transporter } from 'nodemailer';

export class SendFailure extends Error {
  constructor(message: string, readonly permanent: boolean) {
    super(message);
    this.name = 'SendFailure';
  }
}

export interface OutgoingEmail { id: string; to: string; subject: string; body: string; lang: string; kind: string }
export interface OutgoingSms { id: string; to: string; body: string }

export interface EmailChannel { send(m: OutgoingEmail): Promise<string | null> }
/** An SMS gateway. `id` is the notification id: give it to the provider as an idempotency key. */
export interface SmsProvider { readonly name: string; send(m: OutgoingSms): Promise<string | null> }

export interface SmtpSettings {
  url: string;
  from: string;
  /** the domain of Message-IDs */
  domain: string;
  /** refuse to send over a connection without TLS (STARTTLS or smtps) */
  requireTls: boolean;
}

/** SMTP over nodemailer. The Message-ID is derived from the notification id: a resend after a crash carries the same one. */
export class SmtpChannel implements EmailChannel {
  private readonly transport: Transporter;
  constructor(private readonly s: SmtpSettings) {
    this.transport = nodemailer.createTransport(s.url, {
      from: s.from, requireTLS: s.requireTls && !s.url.startsWith('smtps:'),
      connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000,
    } as any);
  }

  async send(m: OutgoingEmail): Promise<string | null> {
    try {
      const info = await this.transport.sendMail({
        from: this.s.from, to: m.to, subject: m.subject, text: m.body,
        messageId: `<${m.id}@${this.s.domain}>`,
        headers: { 'Content-Language': m.lang, 'X-Civitas-Kind': m.kind, 'X-Civitas-Notification': m.id, 'Auto-Submitted': 'auto-generated' },
      });
      return info.messageId ?? null;
    } catch (err) {
      const e = err as { responseCode?: number; code?: string; message: string; rejected?: unknown[] };
      // 5xx: the server refused for good (unknown mailbox, policy); anything else (4xx, no connection, timeout) may pass later
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
      throw new SendFailure(`${e.responseCode ? `${e.responseCode} ` : ''}${e.message}`.slice(0, 500), permanent);
    }
  }
}

/** Demo mode without SMTP: nothing leaves the machine; the demo mail viewer shows it. */
export class DemoEmailChannel implements EmailChannel {
  async send(): Promise<string | null> { return 'demo'; }
}

/** No SMTP configured outside demo mode: keep the email and retry, so it goes once an operator sets CIVITAS_SMTP_URL. */
export class UnconfiguredEmailChannel implements EmailChannel {
  async send(): Promise<string | null> { throw new SendFailure('CIVITAS_SMTP_URL is not set: email cannot be sent', false); }
}

export interface HttpSmsSettings { url: string; token: string | undefined; sender: string; timeoutMs?: number }

/**
 * An SMS gateway over HTTP: POST <url> with JSON { to, from, body, reference }
 * and `Authorization: Bearer <token>`, `Idempotency-Key: <notification id>`.
 * 2xx is accepted (the provider's id read from `id` or `message_id`); 4xx other
 * than 408 and 429 is permanent; 5xx, 408, 429 and network errors are temporary.
 */
export class HttpSmsProvider implements SmsProvider {
  readonly name = 'http';
  constructor(private readonly s: HttpSmsSettings, private readonly fetchFn: typeof fetch = fetch) {}

  async send(m: OutgoingSms): Promise<string | null> {
    let res: Response;
    try {
      res = await this.fetchFn(this.s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': m.id, ...(this.s.token ? { authorization: `Bearer ${this.s.token}` } : {}) },
        body: JSON.stringify({ to: m.to, from: this.s.sender, body: m.body, reference: m.id }),
        signal: AbortSignal.timeout(this.s.timeoutMs ?? 15_000),
      });
    } catch (err) {
      throw new SendFailure(`SMS provider unreachable: ${(err as Error).message}`, false);
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      try {
        const j = JSON.parse(text) as { id?: unknown; message_id?: unknown };
        return String(j.id ?? j.message_id ?? '') || null;
      } catch {
        return null;
      }
    }
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    throw new SendFailure(`SMS provider answered ${res.status}: ${text.slice(0, 200)}`, permanent);
  }
}

/** Demo mode without a provider: the demo viewer shows the text. */
export class DemoSmsProvider implements SmsProvider {
  readonly name = 'demo';
  async send(): Promise<string | null> { return 'demo'; }
}

/** Singapore mobile numbers (8 or 9 and seven digits), stored as +65XXXXXXXX; other countries in full international form. */
export function normalisePhone(raw: string): string | null {
  const s = raw.replace(/[\s\-()]/g, '');
  if (/^[89]\d{7}$/.test(s)) return `+65${s}`;
  if (/^\+65[89]\d{7}$/.test(s)) return s;
  if (/^\+(?!65)[1-9]\d{7,14}$/.test(s)) return s;
  return null;
}
