/**
 * The application summary a person signs: the check-your-answers content
 * (forms' summarize) with the service, the applicant and the declaration. The
 * sign page shows this view model and the signed PDF is drawn from the same
 * one, so the PDF holds exactly what was shown.
 */
import type { Principal } from '../../platform/http/index.ts';
import { localize, type Lang } from '../../platform/i18n/index.ts';
import { formatDateTime } from '../../platform/views/index.ts';
import type { Application } from '../applications/index.ts';
import type { ServiceVersion } from '../catalogue/index.ts';
import { summarize, translator, type SummarySection } from '../forms/index.ts';
import { PdfCanvas, MUTED } from './pdf/canvas.ts';
import type { Signatures } from './service.ts';

export interface ApplicationSummary {
  lang: Lang;
  applicationId: string;
  serviceTitle: string;
  agencyName: string;
  applicantName: string;
  actingFor: { name: string; uen: string; role: string } | null;
  sections: SummarySection[];
  declaration: string;
}

export function applicationSummary(s: Signatures, a: Application, service: ServiceVersion, principal: Principal, lang: Lang): ApplicationSummary {
  const t = translator(lang, (l, k, p) => s.ctx.messages.t(l, k, p));
  return {
    lang, applicationId: a.id,
    serviceTitle: localize(service.definition.title, lang),
    agencyName: s.agencyName(service.definition.agency, lang),
    applicantName: principal.displayName,
    actingFor: principal.actingFor,
    sections: summarize(service.definition.form, a.answers, t),
    declaration: service.definition.declaration ? localize(service.definition.declaration, lang) : s.ctx.messages.t(lang, 'applications.check.defaultDeclaration'),
  };
}

/** Draw the summary as an A4 PDF, ready to be signed. */
export async function renderSummaryPdf(s: Signatures, v: ApplicationSummary, signedAt: Date) {
  const t = (k: string, p?: Record<string, string>) => s.ctx.messages.t(v.lang, k, p);
  const c = await PdfCanvas.create({ title: `${t('signatures.summary.title')}: ${v.serviceTitle}`, author: v.applicantName, subject: v.serviceTitle, lang: v.lang, created: signedAt });
  c.paragraph(v.agencyName, { size: 10, color: MUTED, after: 0 });
  c.heading(t('signatures.summary.title'), 20);
  c.paragraph(v.serviceTitle, { size: 13, after: 10 });
  c.row(t('signatures.summary.applicant'), v.applicantName);
  if (v.actingFor) c.row(t('signatures.summary.actingFor'), t('signatures.summary.actingForValue', { name: v.actingFor.name, uen: v.actingFor.uen, role: v.actingFor.role }));
  c.row(t('signatures.summary.applicationId'), v.applicationId);
  for (const section of v.sections) {
    c.y -= 8;
    c.heading(section.title, 14);
    if (section.items) {
      for (const item of section.items) {
        c.paragraph(item.heading, { size: 11.5, weight: 'bold', after: 2 });
        for (const r of item.rows) c.row(r.key, r.value);
      }
    } else for (const r of section.rows) c.row(r.key, r.value);
  }
  c.y -= 8;
  c.heading(t('signatures.summary.declaration'), 14);
  c.paragraph(v.declaration);
  c.y -= 4;
  c.heading(t('signatures.summary.signature'), 14);
  const when = formatDateTime(signedAt.toISOString(), v.lang);
  c.paragraph(v.actingFor
    ? t('signatures.summary.signedForBusiness', { name: v.applicantName, role: v.actingFor.role, business: v.actingFor.name, uen: v.actingFor.uen, when })
    : t('signatures.summary.signedBy', { name: v.applicantName, when }));
  c.paragraph(t('signatures.summary.howToCheck'), { size: 9.5, color: MUTED });
  c.footer = (page, n) => c.text(`${v.serviceTitle} · ${v.applicationId} · ${n}/${c.doc.getPageCount()}`, c.margin, 30, { size: 8, color: MUTED });
  return c.finish();
}
