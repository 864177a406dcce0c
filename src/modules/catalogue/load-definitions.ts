/**
 * Load and validate the service definitions under services/. Every problem is
 * reported with the file, the path inside it (and its line), and what is wrong;
 * one invalid file stops the load, so nothing half-valid is ever published.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';
import YAML, { LineCounter, isNode } from 'yaml';
import { checkForm, allQuestions } from '../forms/index.ts';
import { referencedQuestions } from '../forms/index.ts';
import { checkDefinitionTemplates } from '../notifications/index.ts';
import { AgencySchema, LifeEventSchema, ServiceDefinitionSchema, type Agency, type LifeEvent, type ServiceDefinition } from './schema.ts';

export interface LoadProblem { file: string; path: string; line?: number; message: string }

export class DefinitionError extends Error {
  constructor(readonly problems: LoadProblem[]) {
    super(`Service definitions are invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
      problems.map((p) => `  ${p.file}${p.line ? `:${p.line}` : ''}: ${p.path || '(top)'}: ${p.message}`).join('\n'));
    this.name = 'DefinitionError';
  }
}

export interface LoadedDefinitions {
  agencies: Agency[];
  lifeEvents: LifeEvent[];
  services: ServiceDefinition[];
}

const validators = {
  service: Compile(ServiceDefinitionSchema),
  agency: Compile(AgencySchema),
  lifeEvent: Compile(LifeEventSchema),
};

/** /form/pages/2/questions/0 -> form.pages[2].questions[0] */
export function jsonPath(instancePath: string): string {
  return instancePath.split('/').filter(Boolean).map((seg, i) => (/^\d+$/.test(seg) ? `[${seg}]` : `${i ? '.' : ''}${seg}`)).join('');
}

interface ParsedFile { data: unknown; lineOf(pathSegments: (string | number)[]): number | undefined }

function parseFile(file: string): ParsedFile {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return { data: JSON.parse(text), lineOf: () => undefined };
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('; '));
  return {
    data: doc.toJS(),
    lineOf(segments) {
      for (let n = segments.length; n >= 0; n--) {
        const node = doc.getIn(segments.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/**
 * Every schema error. TypeBox stops at 8 by default (a guard for untrusted input), which would
 * drop problems and list only some of the allowed values; definitions are the project's own files.
 */
function allErrors(validator: { Errors(v: unknown): Iterable<any> }, value: unknown): any[] {
  const { maxErrors } = Settings.Get();
  Settings.Set({ maxErrors: 10_000 });
  try {
    return [...validator.Errors(value)];
  } finally {
    Settings.Set({ maxErrors });
  }
}

/** Schema errors, condensed: the most specific message per path, alternatives merged. */
function schemaProblems(validator: { Errors(v: unknown): Iterable<any> }, value: unknown, file: string, parsed: ParsedFile, base: (string | number)[] = []): LoadProblem[] {
  const byPath = new Map<string, Set<string>>();
  const add = (p: string, m: string) => byPath.set(p, (byPath.get(p) ?? new Set()).add(m));
  const errors = allErrors(validator, value).filter((e) => e.keyword !== 'boolean');
  for (const e of errors) {
    if (e.keyword === 'additionalProperties') {
      for (const prop of e.params.additionalProperties ?? []) add(`${e.instancePath}/${prop}`, 'is not a known property (check the spelling)');
    } else if (e.keyword === 'const') add(e.instancePath, `must be ${JSON.stringify(e.params.allowedValue)}`);
    else if (e.keyword === 'required') add(e.instancePath, `is missing "${(e.params.requiredProperties ?? [e.params.missingProperty]).join('", "')}"`);
    else add(e.instancePath, e.message);
  }
  const paths = [...byPath.keys()];
  const problems: LoadProblem[] = [];
  for (const p of paths) {
    const messages = [...byPath.get(p)!];
    // an alternative that failed deeper explains more than "must match a schema in anyOf"
    if (paths.some((q) => q !== p && q.startsWith(`${p}/`))) {
      const specific = messages.filter((m) => !m.includes('anyOf') && !m.startsWith('must be "') && !m.startsWith('must be of type'));
      if (!specific.length) continue;
    }
    const consts = messages.filter((m) => m.startsWith('must be "'));
    const others = messages.filter((m) => !m.startsWith('must be "') && !m.includes('anyOf'));
    const merged = [...(consts.length ? [`must be one of ${consts.map((m) => m.slice(8)).join(', ')}`] : []), ...others];
    if (!merged.length) merged.push('is not valid here (see docs/services.md for the allowed forms)');
    const segs = [...base, ...p.split('/').filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
    problems.push({ file, path: jsonPath(segs.map(String).map((s) => `/${s}`).join('')), line: parsed.lineOf(segs), message: merged.join('; ') });
  }
  return problems;
}

function listYaml(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => path.join(dir, f));
}

/** Which data items exist and which question types each may fill (the registry module's catalogue of items). */
export interface PrefillItems {
  known(item: string): boolean;
  fills(item: string, questionType: string): boolean;
}

export interface LoadOptions {
  /** when given, a service's `prefill` is checked against it (unknown items, items that cannot fill their question) */
  prefillItems?: PrefillItems;
  /**
   * Journey steps other modules have registered (e.g. 'sign' from the signatures
   * module). When given, a service that needs a step nobody provides is refused:
   * a service with signatureRequired cannot be published without the signing step.
   */
  journeySteps?: ReadonlySet<string>;
}

export function loadDefinitions(dir: string, opts: LoadOptions = {}): LoadedDefinitions {
  const problems: LoadProblem[] = [];
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  const readList = <T>(name: string, validator: typeof validators.agency): T[] => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) { problems.push({ file: rel(file), path: '', message: 'file is missing' }); return []; }
    let parsed: ParsedFile;
    try { parsed = parseFile(file); } catch (e) { problems.push({ file: rel(file), path: '', message: `cannot be read: ${(e as Error).message}` }); return []; }
    if (!Array.isArray(parsed.data)) { problems.push({ file: rel(file), path: '', message: 'must be a list' }); return []; }
    const ok: T[] = [];
    parsed.data.forEach((item, i) => {
      const p = schemaProblems(validator, item, rel(file), parsed, [i]);
      problems.push(...p);
      if (!p.length) ok.push(item as T);
    });
    return ok;
  };
  const agencies = readList<Agency>('agencies.yaml', validators.agency);
  const lifeEvents = readList<LifeEvent>('life-events.yaml', validators.lifeEvent as any);
  const agencyIds = new Set(agencies.map((a) => a.id));
  const lifeEventIds = new Set(lifeEvents.map((l) => l.id));

  const services: ServiceDefinition[] = [];
  const seen = new Map<string, string>();
  const folders = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const folder of folders) {
    for (const file of listYaml(path.join(dir, folder))) {
      const f = rel(file);
      let parsed: ParsedFile;
      try { parsed = parseFile(file); } catch (e) { problems.push({ file: f, path: '', message: `cannot be read: ${(e as Error).message}` }); continue; }
      const schema = schemaProblems(validators.service, parsed.data, f, parsed);
      if (schema.length) { problems.push(...schema); continue; }
      const def = parsed.data as ServiceDefinition;
      const at = (p: string, message: string) => problems.push({ file: f, path: p, message, line: parsed.lineOf(p.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s))) });
      const expectedId = path.basename(file).replace(/\.(ya?ml|json)$/, '');
      if (def.id !== expectedId) at('id', `is "${def.id}" but the file is named ${path.basename(file)}: they must match`);
      if (seen.has(def.id)) at('id', `"${def.id}" is also defined in ${seen.get(def.id)}`);
      seen.set(def.id, f);
      if (!agencyIds.has(def.agency)) at('agency', `"${def.agency}" is not in services/agencies.yaml`);
      else if (def.agency !== folder) at('agency', `is "${def.agency}" but the file is in services/${folder}/: keep each agency's services in its folder`);
      def.lifeEvents.forEach((l, i) => { if (!lifeEventIds.has(l)) at(`lifeEvents[${i}]`, `"${l}" is not in services/life-events.yaml`); });
      for (const p of checkForm(def.form)) at(p.path, p.message);
      const questionIds = new Set(allQuestions(def.form).filter((x) => !x.page.repeat).map((x) => x.question.id));
      if (def.fee.type === 'byAnswer') {
        def.fee.rules.forEach((r, i) => {
          for (const q of referencedQuestions(r.when)) if (!questionIds.has(q)) at(`fee.rules[${i}].when`, `refers to "${q}", which is not a question of this form (outside repeating pages)`);
        });
      }
      const charges = def.fee.type === 'fixed' ? def.fee.amount > 0 : def.fee.type === 'byAnswer';
      if (charges && !def.paymentMethods?.length) at('paymentMethods', 'a service that charges a fee must offer at least one electronic payment method (card, paynow): it cannot be published without one');
      if (charges && def.paymentMethods?.includes('paynow') && !agencies.find((a) => a.id === def.agency)?.uen) at('paymentMethods', `PayNow needs the agency's UEN: add "uen" to "${def.agency}" in services/agencies.yaml`);
      (def.output?.fields ?? []).forEach((q, i) => { if (!questionIds.has(q)) at(`output.fields[${i}]`, `"${q}" is not a question of this form (outside repeating pages)`); });
      if (def.prefill) {
        const byId = new Map(allQuestions(def.form).filter((x) => !x.page.repeat).map((x) => [x.question.id, x.question]));
        const filled = new Set<string>();
        def.prefill.items.forEach((p, i) => {
          const q = byId.get(p.question);
          if (!q) at(`prefill.items[${i}].question`, `"${p.question}" is not a question of this form (outside repeating pages)`);
          else if (filled.has(p.question)) at(`prefill.items[${i}].question`, `"${p.question}" is filled by two items`);
          if (opts.prefillItems && !opts.prefillItems.known(p.item)) at(`prefill.items[${i}].item`, `"${p.item}" is not a known data item`);
          else if (q && opts.prefillItems && !opts.prefillItems.fills(p.item, q.type)) at(`prefill.items[${i}].item`, `"${p.item}" cannot fill "${p.question}", a ${q.type} question`);
          filled.add(p.question);
        });
      }
      for (const p of checkDefinitionTemplates(def.notifications)) at(p.path, p.message);
      if (def.signatureRequired && opts.journeySteps && !opts.journeySteps.has('sign')) at('signatureRequired', 'the service requires a signature, but the signing step (signatures module) is not enabled: it cannot be published');
      const stepIds = def.workflow.steps.map((s) => s.id);
      stepIds.forEach((id, i) => { if (stepIds.indexOf(id) !== i) at(`workflow.steps[${i}].id`, `step id "${id}" is used twice`); });
      if (!def.workflow.steps.some((s) => s.actions.includes('approve'))) at('workflow.steps', 'no step can approve: add "approve" to the last step\'s actions');
      services.push(def);
    }
  }
  if (problems.length) throw new DefinitionError(problems);
  return { agencies, lifeEvents, services };
}
