/**
 * Data sources behind the exchange: each agency's data products, registered
 * at start-up (`exchange.registerSource(...)`). A source describes its items
 * (name, classification, description), its legal basis, and reads them inside
 * the caller's transaction. A person source answers for one person (known by
 * the keyed hash of their NRIC/FIN) and may list everyone it holds for bulk
 * extracts; a dataset source returns rows (aggregates, no person in them).
 */
import type { Db } from '../../platform/db/index.ts';
import type { KeyRing } from '../../platform/crypto/keyring.ts';
import type { LocalText } from '../../platform/i18n/index.ts';

export const CLASSIFICATIONS = ['official', 'restricted', 'confidential', 'sensitive'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export interface SourceItem {
  name: string;
  classification: Classification;
  description: LocalText;
  /** identifies a person directly (name, email, NRIC): left out of de-identified extracts */
  identifying?: boolean;
  /** the type of the value, for the published schema */
  type?: 'string' | 'integer' | 'boolean' | 'date';
}

/** Who a person source is asked about: the keyed hash of their NRIC/FIN (KeyRing.blindIndex('nric', ...)). */
export interface Subject { nricHash: string }

export interface SourceContext {
  keys: KeyRing;
  now: Date;
}

/** A person's items as a person source found them. */
export interface PersonRecord {
  /** the person's Civitas account, when they have one */
  personAccountId: string | null;
  nricHash: string;
  values: Record<string, unknown>;
}

interface SourceBase {
  /** stable id, e.g. "case-statistics.msf" */
  id: string;
  owningAgencyId: string;
  title: LocalText;
  description: LocalText;
  items: SourceItem[];
  legalBasis: LocalText;
}

export interface PersonSource extends SourceBase {
  kind: 'person';
  /** the requested items of one person, or null if the source holds nothing about them */
  read(trx: Db, subject: Subject, items: string[], ctx: SourceContext): Promise<PersonRecord | null>;
  /** everyone the source holds, page by page (bulk extracts): return [] when done */
  list?(trx: Db, items: string[], ctx: SourceContext, page: { after: string | null; limit: number }): Promise<PersonRecord[]>;
}

export interface DatasetSource extends SourceBase {
  kind: 'dataset';
  read(trx: Db, subject: null, items: string[], ctx: SourceContext): Promise<Record<string, unknown>[]>;
}

export type ExchangeSource = PersonSource | DatasetSource;

/** "source:item", the way requests and approvals name an item. */
export const itemKey = (sourceId: string, item: string) => `${sourceId}:${item}`;
export function splitItemKey(key: string): { sourceId: string; item: string } {
  const i = key.lastIndexOf(':');
  return { sourceId: key.slice(0, i), item: key.slice(i + 1) };
}

export class SourceRegistry {
  private readonly sources = new Map<string, ExchangeSource>();

  register(source: ExchangeSource): void {
    if (!/^[a-z0-9][a-z0-9.-]{1,80}$/.test(source.id)) throw new Error(`exchange source id "${source.id}" must be lower-case letters, digits, dots and hyphens`);
    if (this.sources.has(source.id)) throw new Error(`exchange source ${source.id} registered twice`);
    if (!source.items.length) throw new Error(`exchange source ${source.id} has no items`);
    const names = new Set<string>();
    for (const it of source.items) {
      if (!/^[a-zA-Z][\w-]{0,60}$/.test(it.name) || names.has(it.name)) throw new Error(`exchange source ${source.id}: item name "${it.name}" is not valid or repeated`);
      names.add(it.name);
    }
    this.sources.set(source.id, source);
  }

  get(id: string): ExchangeSource | undefined {
    return this.sources.get(id);
  }

  list(): ExchangeSource[] {
    return [...this.sources.values()].sort((a, b) => a.owningAgencyId.localeCompare(b.owningAgencyId) || a.id.localeCompare(b.id));
  }

  byAgency(agencyId: string): ExchangeSource[] {
    return this.list().filter((s) => s.owningAgencyId === agencyId);
  }

  /** Whether "source:item" names an item of a registered source. */
  has(key: string): boolean {
    const { sourceId, item } = splitItemKey(key);
    return !!this.sources.get(sourceId)?.items.some((i) => i.name === item);
  }
}
