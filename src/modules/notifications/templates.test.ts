/** The template language (GOV.UK Notify's) and the checks that refuse a template its event cannot fill in. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefinitions, DefinitionError } from '../catalogue/index.ts';
import { LANGUAGES } from '../../platform/i18n/index.ts';
import { EVENTS, checkDefinitionTemplates, checkTemplate, missingFields, placeholdersOf, render } from './index.ts';
import { defaultTemplate } from './templates.ts';

describe('((placeholders))', () => {
  it('fills in fields, without case and with spaces as underscores, and leaves unknown ones visible', () => {
    expect(render('Dear ((Name)), due ((due date)) ((other))', { name: 'Siti', due_date: '4 December' })).toBe('Dear Siti, due 4 December ((other))');
    expect(placeholdersOf('((a)) ((B)) ((c??x ((d)))) (((e)))')).toEqual(['c', 'd', 'a', 'b', 'e']);
  });

  it('shows ((field??text)) only when the field has a value, and drops the empty paragraph it leaves', () => {
    const t = 'Approved.\n\n((message??Officer: ((message))))\n\nSee ((link))';
    expect(render(t, { message: 'Well done', link: 'L' })).toBe('Approved.\n\nOfficer: Well done\n\nSee L');
    expect(render(t, { message: '', link: 'L' })).toBe('Approved.\n\nSee L');
    expect(render('((paid??Paid))((paid??.))', { paid: 'no' })).toBe('');
    expect(missingFields(t, { link: 'L' })).toEqual([]);
    expect(missingFields(t, { message: 'yes' })).toEqual(['link']);
  });
});

describe('checks', () => {
  it('ships a default for every event in every language that its event can fill in', () => {
    for (const lang of LANGUAGES) for (const e of EVENTS) expect(checkTemplate(e, defaultTemplate(e, lang)), `${e} ${lang}`).toEqual([]);
  });

  it('refuses fields the event does not supply, personal data in an SMS, and stray brackets', () => {
    const ok = defaultTemplate('approved', 'en');
    expect(checkTemplate('submitted', { ...ok, body: 'Amount ((amount))' }).map((p) => p.message)).toEqual([expect.stringContaining('uses ((amount)), which the submitted event does not supply')]);
    expect(checkTemplate('approved', { ...ok, sms: 'Hi ((name)), ((message))' }).map((p) => p.message)).toEqual([expect.stringContaining('an SMS may carry only')]);
    expect(checkTemplate('approved', { ...ok, subject: 'Oops ((reference)' }).map((p) => p.part)).toEqual(['subject']);
    expect(checkTemplate('approved', { ...ok, body: ' ' }).map((p) => p.message)).toEqual(['is empty']);
  });

  it('refuses a service definition whose templates use fields their event does not supply (services-check)', () => {
    expect(checkDefinitionTemplates({ approved: { body: { en: 'Fine ((reference))' } } })).toEqual([]);
    expect(checkDefinitionTemplates({ approve: { body: 'x' } })[0]!.message).toContain('is not an event');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-services-'));
    try {
      fs.cpSync(path.resolve('services'), dir, { recursive: true });
      const file = path.join(dir, 'msf', 'baby-bonus.yaml');
      fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}\nnotifications:\n  submitted:\n    subject: { en: "Received ((reference))", ms: "Diterima ((reference)) ((amount))" }\n`);
      let error: unknown;
      try { loadDefinitions(dir); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as Error).message).toContain('notifications.submitted.subject');
      expect((error as Error).message).toContain('((amount))');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
