/**
 * Templates: one per service, event and language, with an email subject and
 * body and an SMS text. Three layers, the first that has one wins:
 *  1. what the agency administrator published (notification_templates),
 *  2. the service definition's `notifications:` section,
 *  3. the platform's defaults (templates/<lang>.json).
 * Nothing is stored that its event cannot fill in: checkTemplate() refuses it.
 */
import fs from 'node:fs';
import { newId, nowIso, type Db } from '../../platform/db/index.ts';
import { LANGUAGES, localize, type Lang, type LocalText } from '../../platform/i18n/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { EVENTS, SMS_FIELDS, fieldsOf, isEvent, type NotificationEvent } from './events.ts';
import { malformed, placeholdersOf } from './template-language.ts';

export interface Template { subject: string; body: string; sms: string }
export type TemplateSource = 'agency' | 'definition' | 'default';
export interface ResolvedTemplate extends Template { id: string; source: TemplateSource; event: NotificationEvent; lang: Lang }

/** The `notifications:` section of a service definition: per event, any of subject, body, sms (each text in one or more languages). */
export type DefinitionTemplates = Partial<Record<NotificationEvent, { subject?: LocalText; body?: LocalText; sms?: LocalText }>>;

const DEFAULTS: Record<Lang, Record<NotificationEvent, Template>> = Object.fromEntries(LANGUAGES.map((l) => [
  l, JSON.parse(fs.readFileSync(new URL(`./templates/${l}.json`, import.meta.url), 'utf8')),
])) as any;

export const defaultTemplate = (event: NotificationEvent, lang: Lang): Template => DEFAULTS[lang][event] ?? DEFAULTS.en[event];

/** A template's id in the API: `<service id>.<event>`. */
export const templateId = (serviceId: string, event: NotificationEvent): string => `${serviceId}.${event}`;
export function parseTemplateId(id: string): { serviceId: string; event: NotificationEvent } | null {
  const i = id.lastIndexOf('.');
  const event = id.slice(i + 1);
  return i > 0 && isEvent(event) ? { serviceId: id.slice(0, i), event } : null;
}

export interface TemplateProblem { part: keyof Template; message: string }

/** Why a template cannot be published for this event (empty: it can). */
export function checkTemplate(event: NotificationEvent, t: Template): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const allowed = new Set(fieldsOf(event));
  for (const part of ['subject', 'body', 'sms'] as const) {
    const text = t[part];
    if (!text || !text.trim()) { problems.push({ part, message: 'is empty' }); continue; }
    const bad = malformed(text);
    if (bad) problems.push({ part, message: `has brackets that are not a ((field)) or ((field??text)): "${bad}"` });
    const unknown = placeholdersOf(text).filter((f) => !allowed.has(f));
    if (unknown.length) problems.push({ part, message: `uses ${unknown.map((f) => `((${f}))`).join(', ')}, which the ${event} event does not supply (it supplies ${fieldsOf(event).map((f) => `((${f}))`).join(', ')})` });
    if (part === 'sms') {
      const personal = placeholdersOf(text).filter((f) => allowed.has(f) && !(SMS_FIELDS as readonly string[]).includes(f));
      if (personal.length) problems.push({ part, message: `uses ${personal.map((f) => `((${f}))`).join(', ')}: an SMS may carry only ${SMS_FIELDS.map((f) => `((${f}))`).join(', ')} (no personal data)` });
    }
  }
  return problems;
}

/** The definition's templates in every language, merged over the defaults, checked (for loading a definition). */
export function checkDefinitionTemplates(section: DefinitionTemplates | Record<string, unknown> | undefined): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const [event, parts] of Object.entries(section ?? {})) {
    if (!isEvent(event)) { problems.push({ path: `notifications.${event}`, message: `"${event}" is not an event: use one of ${EVENTS.join(', ')}` }); continue; }
    if (!parts) continue;
    for (const lang of LANGUAGES) {
      for (const p of checkTemplate(event, definitionTemplate(section as DefinitionTemplates, event, lang)!)) {
        const key = `notifications.${event}.${p.part}`;
        if (!problems.some((x) => x.path === key && x.message === p.message)) problems.push({ path: key, message: p.message });
      }
    }
  }
  return problems;
}

function definitionTemplate(section: DefinitionTemplates | undefined, event: NotificationEvent, lang: Lang): Template | null {
  const own = section?.[event];
  if (!own) return null;
  const d = defaultTemplate(event, lang);
  const pick = (v: LocalText | undefined, fallback: string) => (v === undefined ? fallback : localize(v, lang) || fallback);
  return { subject: pick(own.subject, d.subject), body: pick(own.body, d.body), sms: pick(own.sms, d.sms) };
}

export interface ServiceRef { id: string; agencyId: string; notifications?: DefinitionTemplates }

export async function resolveTemplate(db: Db, service: ServiceRef, event: NotificationEvent, lang: Lang): Promise<ResolvedTemplate> {
  const row: any = await db.selectFrom('notification_templates').select(['subject', 'body', 'sms'])
    .where('service_id', '=', service.id).where('event', '=', event).where('lang', '=', lang).executeTakeFirst();
  const id = templateId(service.id, event);
  if (row) return { id, source: 'agency', event, lang, subject: row.subject, body: row.body, sms: row.sms };
  const fromDefinition = definitionTemplate(service.notifications, event, lang);
  if (fromDefinition) return { id, source: 'definition', event, lang, ...fromDefinition };
  return { id, source: 'default', event, lang, ...defaultTemplate(event, lang) };
}

/** An agency administrator publishes a template for one of the agency's services; refused unless its event supplies every field it uses. */
export async function publishTemplate(db: Db, input: { agencyId: string; serviceId: string; event: NotificationEvent; lang: Lang; template: Template; by: string; requestId?: string }): Promise<void> {
  const problems = checkTemplate(input.event, input.template);
  if (problems.length) throw new AppError('validation_failed', 'notifications.errors.templateInvalid', { problems });
  const now = nowIso();
  const { subject, body, sms } = input.template;
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('notification_templates').values({
      id: newId(), agency_id: input.agencyId, service_id: input.serviceId, event: input.event, lang: input.lang, subject, body, sms, updated_by: input.by, updated_at: now,
    }).onConflict((oc) => oc.columns(['service_id', 'event', 'lang']).doUpdateSet({ subject, body, sms, updated_by: input.by, updated_at: now })).execute();
    await appendAudit(trx, {
      stream: `service:${input.serviceId}`, action: 'notifications.template_published', actorType: 'officer', actorId: input.by, agencyId: input.agencyId,
      subjectType: 'notification_template', subjectId: templateId(input.serviceId, input.event), requestId: input.requestId, data: { event: input.event, lang: input.lang },
    });
  });
}

/** Back to the definition's (or the platform's) template. */
export async function resetTemplate(db: Db, input: { agencyId: string; serviceId: string; event: NotificationEvent; lang: Lang; by: string; requestId?: string }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('notification_templates').where('service_id', '=', input.serviceId).where('event', '=', input.event).where('lang', '=', input.lang).where('agency_id', '=', input.agencyId).execute();
    await appendAudit(trx, {
      stream: `service:${input.serviceId}`, action: 'notifications.template_reset', actorType: 'officer', actorId: input.by, agencyId: input.agencyId,
      subjectType: 'notification_template', subjectId: templateId(input.serviceId, input.event), requestId: input.requestId, data: { event: input.event, lang: input.lang },
    });
  });
}

export { EVENTS };
