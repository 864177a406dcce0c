/**
 * The shape of forms inside service definitions. One schema gives validation
 * (at load), static types and documentation. Each object lists every property a
 * question may have (additionalProperties: false) so that a misspelt key is
 * reported precisely; type-specific rules are checked by check-form.ts.
 */
import Type from 'typebox';

export const LocalTextSchema = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Object({
    en: Type.String({ minLength: 1 }),
    ms: Type.Optional(Type.String()),
    zh: Type.Optional(Type.String()),
    ta: Type.Optional(Type.String()),
  }, { additionalProperties: false }),
]);

const Id = Type.String({ pattern: '^[a-z][a-zA-Z0-9-]{0,62}$', description: 'lower camelCase or kebab-case identifier' });
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const ConditionSchema = Type.Cyclic({
  Condition: Type.Object({
    question: Type.Optional(Id),
    equals: Type.Optional(Scalar),
    notEquals: Type.Optional(Scalar),
    in: Type.Optional(Type.Array(Scalar, { minItems: 1 })),
    includes: Type.Optional(Type.String()),
    includesAny: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    answered: Type.Optional(Type.Boolean()),
    greaterThan: Type.Optional(Type.Number()),
    lessThan: Type.Optional(Type.Number()),
    atLeast: Type.Optional(Type.Number()),
    atMost: Type.Optional(Type.Number()),
    all: Type.Optional(Type.Array(Type.Ref('Condition'), { minItems: 1 })),
    any: Type.Optional(Type.Array(Type.Ref('Condition'), { minItems: 1 })),
    not: Type.Optional(Type.Ref('Condition')),
  }, { additionalProperties: false }),
}, 'Condition');

export const QUESTION_TYPES = ['text', 'textarea', 'number', 'email', 'phone', 'date', 'nric', 'uen', 'address', 'choice', 'multichoice', 'yesno', 'file'] as const;
export type QuestionTypeName = (typeof QUESTION_TYPES)[number];

export const OptionSchema = Type.Object({
  value: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
  label: LocalTextSchema,
  hint: Type.Optional(LocalTextSchema),
}, { additionalProperties: false });

export const QuestionSchema = Type.Object({
  id: Id,
  type: Type.Union([
    Type.Literal('text'), Type.Literal('textarea'), Type.Literal('number'), Type.Literal('email'), Type.Literal('phone'),
    Type.Literal('date'), Type.Literal('nric'), Type.Literal('uen'), Type.Literal('address'), Type.Literal('choice'),
    Type.Literal('multichoice'), Type.Literal('yesno'), Type.Literal('file'),
  ]),
  label: LocalTextSchema,
  hint: Type.Optional(LocalTextSchema),
  /** short noun phrase used in error messages, e.g. "your full name" */
  errorName: Type.Optional(LocalTextSchema),
  required: Type.Optional(Type.Boolean({ default: true })),
  showIf: Type.Optional(ConditionSchema),
  // text, textarea
  minLength: Type.Optional(Type.Integer({ minimum: 0 })),
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 20000 })),
  // number
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  integer: Type.Optional(Type.Boolean()),
  prefix: Type.Optional(Type.String({ maxLength: 8 })),
  suffix: Type.Optional(Type.String({ maxLength: 12 })),
  // date
  past: Type.Optional(Type.Boolean({ description: 'must be today or earlier' })),
  future: Type.Optional(Type.Boolean({ description: 'must be today or later' })),
  // choice, multichoice
  options: Type.Optional(Type.Array(OptionSchema, { minItems: 1 })),
  minSelected: Type.Optional(Type.Integer({ minimum: 0 })),
  maxSelected: Type.Optional(Type.Integer({ minimum: 1 })),
  // file
  accept: Type.Optional(Type.Array(Type.Union([Type.Literal('pdf'), Type.Literal('jpg'), Type.Literal('png')]), { minItems: 1 })),
  maxSizeMb: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
  /** the government-verified data item that prefills this question (e.g. "name", "regadd") */
  verifiedItem: Type.Optional(Type.String()),
}, { additionalProperties: false });

export const RepeatSchema = Type.Object({
  /** e.g. "child": used in "You have added 2 children" and "Add another child" */
  itemName: LocalTextSchema,
  itemNamePlural: LocalTextSchema,
  min: Type.Optional(Type.Integer({ minimum: 0, default: 1 })),
  max: Type.Integer({ minimum: 1, maximum: 50 }),
}, { additionalProperties: false });

export const PageSchema = Type.Object({
  id: Id,
  title: LocalTextSchema,
  description: Type.Optional(LocalTextSchema),
  showIf: Type.Optional(ConditionSchema),
  /** an "add another" page: its questions are asked once per item */
  repeat: Type.Optional(RepeatSchema),
  questions: Type.Array(QuestionSchema, { minItems: 1 }),
}, { additionalProperties: false });

export const FormSchema = Type.Object({
  pages: Type.Array(PageSchema, { minItems: 1 }),
}, { additionalProperties: false });

export type LocalTextDef = Type.Static<typeof LocalTextSchema>;
export interface Condition {
  question?: string;
  equals?: string | number | boolean;
  notEquals?: string | number | boolean;
  in?: (string | number | boolean)[];
  includes?: string;
  includesAny?: string[];
  answered?: boolean;
  greaterThan?: number;
  lessThan?: number;
  atLeast?: number;
  atMost?: number;
  all?: Condition[];
  any?: Condition[];
  not?: Condition;
}
export type Question = Omit<Type.Static<typeof QuestionSchema>, 'showIf'> & { showIf?: Condition };
export type Page = Omit<Type.Static<typeof PageSchema>, 'showIf' | 'questions'> & { showIf?: Condition; questions: Question[] };
export interface Form { pages: Page[] }
export type Option = Type.Static<typeof OptionSchema>;

/** Stored answer values by question type. */
export interface AddressValue { block: string; street: string; building?: string; floor?: string; unit?: string; postalCode: string }
export interface FileValue { fileId: string; name: string; size: number; type: string }
export type AnswerValue = string | number | string[] | AddressValue | FileValue;
/** answers by question id; an "add another" page stores an array of items under the page id */
export type Answers = Record<string, AnswerValue | Record<string, AnswerValue>[] | undefined>;
