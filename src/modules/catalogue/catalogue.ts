/**
 * The published catalogue in memory: current definitions with their versions,
 * agencies and life events, plus search. Older versions are read from the
 * database on demand and cached (they never change).
 */
import { LANGUAGES, localize, type Lang, type LocalText } from '../../platform/i18n/index.ts';
import type { Db } from '../../platform/db/index.ts';
import { findVersion } from './repository.ts';
import type { Agency, Fee, LifeEvent, ServiceDefinition, ServiceVersion } from './schema.ts';

export interface FeeSummary { type: Fee['type']; amount: number | null; minAmount: number | null; maxAmount: number | null; currency: string | null }

export function feeSummary(fee: Fee): FeeSummary {
  if (fee.type === 'none') return { type: 'none', amount: 0, minAmount: 0, maxAmount: 0, currency: null };
  if (fee.type === 'fixed') return { type: 'fixed', amount: fee.amount, minAmount: fee.amount, maxAmount: fee.amount, currency: fee.currency };
  const amounts = [...fee.rules.map((r) => r.amount), fee.otherwise];
  return { type: 'byAnswer', amount: null, minAmount: Math.min(...amounts), maxAmount: Math.max(...amounts), currency: fee.currency };
}

const allTexts = (t: LocalText | undefined): string[] => (t === undefined ? [] : typeof t === 'string' ? [t] : Object.values(t).filter((x): x is string => !!x));

export class Catalogue {
  private readonly current = new Map<string, ServiceVersion>();
  private readonly versionCache = new Map<string, ServiceVersion>();
  readonly agencies: Agency[];
  readonly lifeEvents: LifeEvent[];

  constructor(private readonly db: Db, services: ServiceVersion[], agencies: Agency[], lifeEvents: LifeEvent[]) {
    for (const s of services) {
      this.current.set(s.id, s);
      this.versionCache.set(`${s.id}@${s.version}`, s);
    }
    this.agencies = agencies;
    this.lifeEvents = lifeEvents;
  }

  list(): ServiceVersion[] {
    return [...this.current.values()];
  }

  get(id: string): ServiceVersion | undefined {
    return this.current.get(id);
  }

  /** A specific (possibly older) version of a definition. */
  async getVersion(id: string, version: number): Promise<ServiceVersion | undefined> {
    const key = `${id}@${version}`;
    const hit = this.versionCache.get(key);
    if (hit) return hit;
    const found = await findVersion(this.db, id, version);
    if (found) this.versionCache.set(key, found);
    return found;
  }

  agency(id: string): Agency | undefined {
    return this.agencies.find((a) => a.id === id);
  }

  lifeEvent(id: string): LifeEvent | undefined {
    return this.lifeEvents.find((l) => l.id === id);
  }

  byLifeEvent(id: string): ServiceVersion[] {
    return this.list().filter((s) => s.definition.lifeEvents.includes(id));
  }

  byAgency(id: string): ServiceVersion[] {
    return this.list().filter((s) => s.definition.agency === id);
  }

  /**
   * Search titles, summaries, keywords, agency names and life events in every
   * language (people search in the language they think in); titles weigh most.
   */
  search(query: string, opts: { audience?: 'citizen' | 'business' } = {}): ServiceVersion[] {
    const terms = query.toLowerCase().normalize('NFKC').split(/[\s,.;:!?]+/).filter((t) => t.length > 0).slice(0, 12);
    const candidates = this.list().filter((s) => !opts.audience || s.definition.audience.includes(opts.audience));
    if (!terms.length) return candidates.sort((a, b) => localize(a.definition.title, 'en').localeCompare(localize(b.definition.title, 'en')));
    const scored = candidates.map((s) => {
      const d = s.definition;
      const agency = this.agency(d.agency);
      const fields: [string[], number][] = [
        [allTexts(d.title), 5],
        [d.keywords ?? [], 4],
        [[...allTexts(agency?.name), agency?.shortName ?? ''], 3],
        [d.lifeEvents.flatMap((l) => allTexts(this.lifeEvent(l)?.title)), 2],
        [allTexts(d.summary), 1],
      ];
      let score = 0;
      for (const term of terms) {
        let best = 0;
        for (const [texts, weight] of fields) if (texts.some((t) => t.toLowerCase().includes(term))) best = Math.max(best, weight);
        if (best === 0) return { s, score: 0 };
        score += best;
      }
      return { s, score };
    });
    return scored.filter((x) => x.score > 0).sort((a, b) => b.score - a.score).map((x) => x.s);
  }
}

export function localizedAll(t: LocalText): Record<Lang, string> {
  return Object.fromEntries(LANGUAGES.map((l) => [l, localize(t, l)])) as Record<Lang, string>;
}

export type { ServiceDefinition };
