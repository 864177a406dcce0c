/**
 * The events that tell people about their application, and the personalisation
 * fields each one supplies. A template may use only the fields its event
 * supplies (checked when it is published); an SMS template only those that
 * carry no personal data.
 */
export const EVENTS = ['submitted', 'information_requested', 'approved', 'rejected', 'payment_received', 'document_issued', 'deadline_reminder'] as const;
export type NotificationEvent = (typeof EVENTS)[number];
export const isEvent = (v: unknown): v is NotificationEvent => typeof v === 'string' && (EVENTS as readonly string[]).includes(v);

/** Supplied for every event by the platform: from the application and the service. */
export const COMMON_FIELDS = ['service', 'reference', 'link', 'site', 'name'] as const;

/** What the caller of notify() supplies on top of the common fields (each may be an empty string). */
export const EVENT_FIELDS: Record<NotificationEvent, readonly string[]> = {
  submitted: [],
  information_requested: ['message', 'respond_link'],
  approved: ['message', 'document'],
  rejected: ['message'],
  payment_received: ['amount', 'payment_reference', 'paid_on'],
  document_issued: ['document', 'code', 'verify_link'],
  deadline_reminder: ['due_date'],
};

export const fieldsOf = (event: NotificationEvent): string[] => [...COMMON_FIELDS, ...EVENT_FIELDS[event]];

/**
 * An SMS is read on a lock screen and kept by the phone company: it carries
 * the service, the reference and a link, nothing about the person (no name,
 * officer's message, amount or verification code).
 */
export const SMS_FIELDS = ['service', 'reference', 'link', 'respond_link', 'site'] as const;

/** Example values for previews (the agency administrator's template page). */
export const SAMPLE_VALUES: Record<string, string> = {
  service: 'Baby Bonus', reference: 'ABC-DEF-123', link: 'https://services.example.gov/applications/…', site: 'Civitas', name: 'Tan Ah Kow',
  message: 'Please send a copy of the birth certificate.', respond_link: 'https://services.example.gov/applications/…/respond',
  document: 'approval letter', amount: 'S$12.50', payment_reference: 'PAY-0001', paid_on: '27 November 2026',
  code: 'ABCDE-FGHJK', verify_link: 'https://services.example.gov/verify', due_date: '4 December 2026',
};
