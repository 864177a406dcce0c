/**
 * Service definitions: one YAML (or JSON) file per service under services/<agency>/.
 * This schema validates them at load, types them, and documents them (docs/services.md).
 */
import Type from 'typebox';
import { ConditionSchema, FormSchema, LocalTextSchema, type Condition, type Form, type LocalTextDef } from '../forms/index.ts';

const Id = Type.String({ pattern: '^[a-z][a-z0-9-]{1,62}$', description: 'kebab-case identifier' });
const Cents = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'an amount in cents' });
const Currency = Type.Literal('SGD');

export const ROLES = ['case_officer', 'approver', 'agency_admin', 'auditor', 'kpi_viewer'] as const;
export const WORKFLOW_ACTIONS = ['approve', 'reject', 'request_information', 'refer', 'return', 'complete_step'] as const;

/** A reduced fee (0 waives it) for people a fact from the registry proves, e.g. seniors or recipients of financial assistance. */
export const ConcessionSchema = Type.Object({
  id: Id,
  name: LocalTextSchema,
  /** the fact that must be proven from the registry (payments module: CONCESSION_FACTS) */
  proof: Type.Union([Type.Literal('senior'), Type.Literal('financial-assistance')]),
  /** the fee to pay instead, in cents (0: waived) */
  amount: Cents,
}, { additionalProperties: false });
/** GST on the fee, in basis points (900 = 9%); inclusive: the amounts already include it. */
export const GstSchema = Type.Object({ rate: Type.Integer({ minimum: 1, maximum: 5000 }), inclusive: Type.Boolean() }, { additionalProperties: false });
const feeExtras = { concessions: Type.Optional(Type.Array(ConcessionSchema, { maxItems: 10 })), gst: Type.Optional(GstSchema) };

export const FeeSchema = Type.Union([
  Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('fixed'), amount: Cents, currency: Currency, ...feeExtras }, { additionalProperties: false }),
  Type.Object({
    type: Type.Literal('byAnswer'),
    currency: Currency,
    rules: Type.Array(Type.Object({ when: ConditionSchema, amount: Cents }, { additionalProperties: false }), { minItems: 1 }),
    otherwise: Cents,
    ...feeExtras,
  }, { additionalProperties: false }),
]);

export const WorkflowStepSchema = Type.Object({
  id: Id,
  name: LocalTextSchema,
  role: Type.Union(ROLES.map((r) => Type.Literal(r)) as any),
  actions: Type.Array(Type.Union(WORKFLOW_ACTIONS.map((a) => Type.Literal(a)) as any), { minItems: 1 }),
  slaWorkingDays: Type.Integer({ minimum: 1, maximum: 365 }),
  /** the officer who acted at an earlier step may not act at this one */
  fourEyes: Type.Optional(Type.Boolean()),
  /** who hears when the step's deadline is breached (default: approvers and agency admins for a case officer's step, agency admins for an approver's) */
  supervisors: Type.Optional(Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r)) as any), { minItems: 1 })),
}, { additionalProperties: false });

export const ServiceDefinitionSchema = Type.Object({
  id: Id,
  agency: Id,
  audience: Type.Array(Type.Union([Type.Literal('citizen'), Type.Literal('business')]), { minItems: 1 }),
  lifeEvents: Type.Array(Id),
  title: LocalTextSchema,
  summary: LocalTextSchema,
  description: Type.Optional(LocalTextSchema),
  keywords: Type.Optional(Type.Array(Type.String())),
  eligibility: Type.Array(LocalTextSchema),
  documentsNeeded: Type.Array(LocalTextSchema),
  processingTime: Type.Object({ workingDays: Type.Integer({ minimum: 1, maximum: 365 }) }, { additionalProperties: false }),
  fee: FeeSchema,
  /** how fees are paid; every fee-charging service offers at least one electronic method */
  paymentMethods: Type.Optional(Type.Array(Type.Union([Type.Literal('card'), Type.Literal('paynow')]))),
  signatureRequired: Type.Boolean(),
  declaration: Type.Optional(LocalTextSchema),
  form: FormSchema,
  workflow: Type.Object({ steps: Type.Array(WorkflowStepSchema, { minItems: 1 }) }, { additionalProperties: false }),
  /** government-verified data that prefills the form, with consent (registry module): which item fills which question, and why */
  prefill: Type.Optional(Type.Object({
    purpose: LocalTextSchema,
    items: Type.Array(Type.Object({
      item: Type.String({ minLength: 1, description: 'a Myinfo data item name, e.g. name, uinfin, regadd, mobileno' }),
      question: Type.String({ minLength: 1, description: 'the id of the question it fills' }),
    }, { additionalProperties: false })),
  }, { additionalProperties: false })),
  output: Type.Optional(Type.Object({
    type: Type.Union([Type.Literal('licence'), Type.Literal('permit'), Type.Literal('certificate'), Type.Literal('approval-letter'), Type.Literal('none')]),
    title: LocalTextSchema,
    validityMonths: Type.Optional(Type.Integer({ minimum: 1, maximum: 240 })),
    /** question ids whose answers the issued document shows (signatures module) */
    fields: Type.Optional(Type.Array(Type.String(), { maxItems: 12 })),
  }, { additionalProperties: false })),
  /** the service's own wording of the messages people get, per event (submitted, approved, ...): any of subject, body, sms; checked by the notifications module */
  notifications: Type.Optional(Type.Record(Type.String(), Type.Object({
    subject: Type.Optional(LocalTextSchema), body: Type.Optional(LocalTextSchema), sms: Type.Optional(LocalTextSchema),
  }, { additionalProperties: false }))),
}, { additionalProperties: false });

export const AgencySchema = Type.Object({
  id: Id,
  name: LocalTextSchema,
  shortName: Type.String({ minLength: 1, maxLength: 12 }),
  uen: Type.Optional(Type.String()),
  website: Type.Optional(Type.String()),
}, { additionalProperties: false });

export const LifeEventSchema = Type.Object({
  id: Id,
  title: LocalTextSchema,
  description: LocalTextSchema,
  audience: Type.Union([Type.Literal('citizen'), Type.Literal('business')]),
}, { additionalProperties: false });

export type Concession = { id: string; name: LocalTextDef; proof: 'senior' | 'financial-assistance'; amount: number };
export type Gst = { rate: number; inclusive: boolean };
type FeeExtras = { concessions?: Concession[]; gst?: Gst };
export type Fee =
  | { type: 'none' }
  | ({ type: 'fixed'; amount: number; currency: 'SGD' } & FeeExtras)
  | ({ type: 'byAnswer'; currency: 'SGD'; rules: { when: Condition; amount: number }[]; otherwise: number } & FeeExtras);
export type WorkflowStep = { id: string; name: LocalTextDef; role: (typeof ROLES)[number]; actions: (typeof WORKFLOW_ACTIONS)[number][]; slaWorkingDays: number; fourEyes?: boolean; supervisors?: (typeof ROLES)[number][] };
export type ServiceDefinition = Omit<Type.Static<typeof ServiceDefinitionSchema>, 'form' | 'fee' | 'workflow'> & { form: Form; fee: Fee; workflow: { steps: WorkflowStep[] } };
export type Agency = Type.Static<typeof AgencySchema>;
export type LifeEvent = Type.Static<typeof LifeEventSchema>;

/** A definition as published: the definition plus its immutable version number. */
export interface ServiceVersion {
  id: string;
  version: number;
  hash: string;
  definition: ServiceDefinition;
}
