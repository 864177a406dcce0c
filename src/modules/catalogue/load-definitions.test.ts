/**
 * Service definitions are checked at load: every problem names the file, the
 * path inside it, its line, and what is wrong. Each case writes a small
 * definition with one mistake into a temporary services/ directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { QUESTION_TYPES } from '../forms/index.ts';
import { DefinitionError, loadDefinitions, type LoadProblem } from './load-definitions.ts';

const SERVICES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../services');
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** A minimal valid service. Markers (#@name) let a case point at a line. */
const VALID = `id: test-service
agency: msf
audience: [citizen]
lifeEvents: [having-a-baby]
keywords: [testing]
title: { en: "Test service", ms: "Perkhidmatan ujian" }
summary: "A service used by the tests"
eligibility: []
documentsNeeded: []
processingTime: { workingDays: 5 }
fee: { type: none }
signatureRequired: false
form:
  pages:
    - id: first
      title: "First"
      questions:
        - id: colour
          type: choice
          label: "Colour"
          options:
            - { value: red, label: "Red" }
            - { value: blue, label: "Blue" }
        - id: extras
          type: multichoice
          required: false
          label: "Extras"
          options:
            - { value: sprinkles, label: "Sprinkles" }
    - id: second
      title: "Second"
      questions:
        - id: shade
          type: text
          label: "Shade"
          showIf: { question: colour, equals: red }
        - id: topping
          type: text
          label: "Topping"
          showIf: { question: extras, includes: sprinkles }
workflow:
  steps:
    - id: decide
      name: "Decide"
      role: approver
      actions: [approve, reject]
      slaWorkingDays: 5
`;

function servicesDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civitas-defs-'));
  dirs.push(dir);
  fs.copyFileSync(path.join(SERVICES_DIR, 'agencies.yaml'), path.join(dir, 'agencies.yaml'));
  fs.copyFileSync(path.join(SERVICES_DIR, 'life-events.yaml'), path.join(dir, 'life-events.yaml'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function replace(text: string, from: string, to: string): string {
  expect(text.includes(from), `fixture contains ${JSON.stringify(from)}`).toBe(true);
  return text.replace(from, to);
}

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  expect(i, `fixture line with ${JSON.stringify(needle)}`).toBeGreaterThanOrEqual(0);
  return i + 1;
}

function loadError(dir: string): DefinitionError {
  try {
    loadDefinitions(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(DefinitionError);
    return e as DefinitionError;
  }
  throw new Error('loadDefinitions accepted an invalid definition');
}

/**
 * Load a service file with one mistake and expect a problem at `problemPath`,
 * on the line containing `lineWith`, whose message matches `message`; the
 * error's text names all four.
 */
function expectProblem(yaml: string, problemPath: string, lineWith: string, message: RegExp, file = 'msf/test-service.yaml'): LoadProblem {
  const dir = servicesDir({ [file]: yaml });
  const err = loadError(dir);
  const rel = path.relative(process.cwd(), path.join(dir, file));
  const found = err.problems.find((p) => p.path === problemPath && message.test(p.message));
  expect(found, `problem at ${problemPath} matching ${message} in:\n${err.message}`).toBeDefined();
  expect(found!.file).toBe(rel);
  expect(found!.line).toBe(lineOf(yaml, lineWith));
  expect(err.message).toContain(`${rel}:${found!.line}: ${problemPath}: ${found!.message}`);
  return found!;
}

describe('loadDefinitions', () => {
  it('loads the valid fixture, and the real services/ directory', () => {
    const loaded = loadDefinitions(servicesDir({ 'msf/test-service.yaml': VALID }));
    expect(loaded.services.map((s) => s.id)).toEqual(['test-service']);
    expect(loaded.agencies.map((a) => a.id)).toContain('msf');
    expect(loaded.lifeEvents.map((l) => l.id)).toContain('having-a-baby');

    let real;
    try {
      real = loadDefinitions(SERVICES_DIR);
    } catch (e) {
      throw new Error(`the real services/ directory does not load:\n${(e as Error).message}`, { cause: e });
    }
    expect(real.services.length).toBeGreaterThanOrEqual(5);
    for (const id of ['baby-bonus', 'birth-registration', 'food-shop-licence']) expect(real.services.map((s) => s.id)).toContain(id);
  });

  it('an unknown (misspelt) property', () => {
    const yaml = replace(VALID, '          label: "Shade"', '          lable: "Shade"');
    expectProblem(yaml, 'form.pages[1].questions[0].lable', 'lable:', /is not a known property \(check the spelling\)/);
    // the property it should have had is missing too
    expectProblem(yaml, 'form.pages[1].questions[0]', '- id: shade', /is missing "label"/);
  });

  it('an unknown top-level property', () => {
    const yaml = replace(VALID, 'signatureRequired: false', 'signatureRequired: false\nsignatureRequried: true');
    expectProblem(yaml, 'signatureRequried', 'signatureRequried', /is not a known property/);
  });

  it('a question type that does not exist', () => {
    const yaml = replace(VALID, '          type: text\n          label: "Shade"', '          type: dropdown\n          label: "Shade"');
    const p = expectProblem(yaml, 'form.pages[1].questions[0].type', 'type: dropdown', /must be one of/);
    expect(p.message).toContain('"text"');
    // every type is named, not only the first few
    for (const t of QUESTION_TYPES) expect(p.message).toContain(`"${t}"`);
  });

  it('many mistakes in one file are all reported', () => {
    let yaml = VALID;
    const typos: [string, string][] = [['title: "First"', 'titel: "First"'], ['title: "Second"', 'titl: "Second"'], ['label: "Colour"', 'labl: "Colour"'], ['label: "Extras"', 'lable: "Extras"'],
      ['label: "Shade"', 'labell: "Shade"'], ['label: "Topping"', 'Label: "Topping"'], ['role: approver', 'rol: approver'], ['name: "Decide"', 'nam: "Decide"'], ['keywords:', 'keyword:'], ['summary:', 'summery:']];
    for (const [from, to] of typos) yaml = replace(yaml, from, to);
    const err = loadError(servicesDir({ 'msf/test-service.yaml': yaml }));
    const unknown = err.problems.filter((p) => /is not a known property/.test(p.message)).map((p) => p.path.split('.').pop());
    expect(unknown.sort()).toEqual(['Label', 'keyword', 'labell', 'labl', 'lable', 'nam', 'rol', 'summery', 'titel', 'titl']);
  });

  it('a condition referring to a later question', () => {
    const yaml = replace(VALID, 'showIf: { question: colour, equals: red }', 'showIf: { question: topping, answered: true }');
    expectProblem(yaml, 'form.pages[1].questions[0].showIf.question', 'question: topping', /refers to "topping", which is not asked before this point/);
  });

  it('a condition referring to a question that does not exist, inside all/any/not', () => {
    const yaml = replace(VALID, 'showIf: { question: colour, equals: red }', 'showIf: { all: [{ question: colour, equals: red }, { not: { question: flavour, answered: true } }] }');
    expectProblem(yaml, 'form.pages[1].questions[0].showIf.all[1].not.question', 'question: flavour', /refers to "flavour"/);
  });

  it('includes on a question that is not multichoice', () => {
    const yaml = replace(VALID, 'showIf: { question: colour, equals: red }', 'showIf: { question: colour, includes: red }');
    expectProblem(yaml, 'form.pages[1].questions[0].showIf', 'includes: red', /"includes" only applies to multichoice questions; "colour" is choice/);
  });

  it('a number comparison on a question that is not a number', () => {
    const yaml = replace(VALID, 'showIf: { question: colour, equals: red }', 'showIf: { question: colour, greaterThan: 3 }');
    expectProblem(yaml, 'form.pages[1].questions[0].showIf', 'greaterThan', /"greaterThan" only applies to number questions/);
  });

  it('an equals value that is not one of the choice\'s options', () => {
    const yaml = replace(VALID, 'showIf: { question: colour, equals: red }', 'showIf: { question: colour, equals: green }');
    expectProblem(yaml, 'form.pages[1].questions[0].showIf', 'equals: green', /"green" is not an option of "colour" \(options: red, blue\)/);
  });

  it('a question id used twice', () => {
    const yaml = replace(VALID, '        - id: shade', '        - id: colour # again');
    expectProblem(yaml, 'form.pages[1].questions[0].id', '# again', /question id "colour" is used twice/);
  });

  it('an id that does not match the file name', () => {
    expectProblem(VALID, 'id', 'id: test-service', /is "test-service" but the file is named other-name\.yaml: they must match/, 'msf/other-name.yaml');
  });

  it('an agency that is not in agencies.yaml', () => {
    const yaml = replace(VALID, 'agency: msf', 'agency: mof');
    expectProblem(yaml, 'agency', 'agency: mof', /"mof" is not in services\/agencies\.yaml/, 'mof/test-service.yaml');
  });

  it('a file in another agency\'s folder', () => {
    expectProblem(VALID, 'agency', 'agency: msf', /is "msf" but the file is in services\/ica\//, 'ica/test-service.yaml');
  });

  it('a life event that is not in life-events.yaml', () => {
    const yaml = replace(VALID, 'lifeEvents: [having-a-baby]', 'lifeEvents: [having-a-baby, getting-a-cat]');
    expectProblem(yaml, 'lifeEvents[1]', 'lifeEvents:', /"getting-a-cat" is not in services\/life-events\.yaml/);
  });

  it('a fee by answer that refers to a question the form does not ask', () => {
    const yaml = replace(VALID, 'fee: { type: none }', [
      'fee:',
      '  type: byAnswer',
      '  currency: SGD',
      '  otherwise: 1000',
      '  rules:',
      '    - when: { question: colour, equals: red }',
      '      amount: 2000',
      '    - when: { question: size, equals: large }',
      '      amount: 3000',
      'paymentMethods: [card]',
    ].join('\n'));
    expectProblem(yaml, 'fee.rules[1].when', 'question: size', /refers to "size", which is not a question of this form/);
  });

  it('a fee without a way to pay it', () => {
    const yaml = replace(VALID, 'fee: { type: none }', 'fee: { type: fixed, amount: 500, currency: SGD }\npaymentMethods: []');
    expectProblem(yaml, 'paymentMethods', 'paymentMethods: []', /must offer at least one electronic payment method/);
  });

  it('a workflow in which no step can approve', () => {
    const yaml = replace(VALID, 'actions: [approve, reject]', 'actions: [complete_step, reject]');
    // the line of the list itself
    expectProblem(yaml, 'workflow.steps', '- id: decide', /no step can approve/);
  });

  it('a YAML syntax error, with its line', () => {
    const yaml = replace(VALID, 'summary: "A service used by the tests"', 'summary: "A service used by the tests');
    const dir = servicesDir({ 'msf/test-service.yaml': yaml });
    const err = loadError(dir);
    const rel = path.relative(process.cwd(), path.join(dir, 'msf/test-service.yaml'));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.file).toBe(rel);
    expect(err.problems[0]!.message).toMatch(/^cannot be read: .*line \d+/s);
    expect(err.message).toContain(`${rel}: (top): cannot be read:`);
    const line = Number(/line (\d+)/.exec(err.problems[0]!.message)![1]);
    expect(line).toBeGreaterThanOrEqual(lineOf(yaml, 'summary:'));
  });

  it('a key written twice', () => {
    const yaml = replace(VALID, 'signatureRequired: false', 'signatureRequired: false\nsignatureRequired: true');
    const err = loadError(servicesDir({ 'msf/test-service.yaml': yaml }));
    expect(err.problems[0]!.message).toMatch(/cannot be read: .*unique/is);
  });

  it('reports every problem of every file at once, and loads nothing', () => {
    const bad1 = replace(replace(VALID, 'agency: msf', 'agency: mof'), 'showIf: { question: colour, equals: red }', 'showIf: { question: colour, equals: green }');
    const bad2 = replace(replace(VALID, 'id: test-service', 'id: second-service'), 'actions: [approve, reject]', 'actions: [reject]');
    const valid = replace(VALID, 'id: test-service', 'id: valid-service');
    const err = loadError(servicesDir({ 'mof/test-service.yaml': bad1, 'msf/second-service.yaml': bad2, 'msf/valid-service.yaml': valid }));
    expect(err.problems.map((p) => [path.basename(p.file), p.path])).toEqual([
      ['test-service.yaml', 'agency'],
      ['test-service.yaml', 'form.pages[1].questions[0].showIf'],
      ['second-service.yaml', 'workflow.steps'],
    ]);
    expect(err.message).toMatch(/^Service definitions are invalid \(3 problems\):/);
  });

  it('the same service id in two folders', () => {
    const err = loadError(servicesDir({ 'msf/test-service.yaml': VALID, 'nea/test-service.yaml': replace(VALID, 'agency: msf', 'agency: nea') }));
    expect(err.problems.map((p) => p.message)).toEqual([expect.stringMatching(/"test-service" is also defined in .*msf\/test-service\.yaml/)]);
  });

  it('a question id that every object already has', () => {
    const yaml = replace(VALID, '        - id: shade', '        - id: constructor');
    expectProblem(yaml, 'form.pages[1].questions[0].id', 'id: constructor', /"constructor" is reserved/);
  });
});
