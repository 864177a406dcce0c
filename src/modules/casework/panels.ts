/**
 * Panels other modules add to the case page, so casework shows payment and
 * signature status without reading their tables. A module that has something
 * to say about an application registers a provider at start-up (src/main.ts,
 * `casework.panels`); a provider answers null when it has nothing for that
 * application (e.g. no fee).
 *
 *   { id: 'payment', async describe(app, lang, db) {
 *       const p = await findPaymentFor(db, app.id);
 *       return p && { title: 'Payment', rows: [{ key: 'Status', value: 'Paid', tag: 'green' }] };
 *   } }
 */
import type { Db } from '../../platform/db/index.ts';
import type { Lang } from '../../platform/i18n/index.ts';

export interface CasePanelRow { key: string; value: string; tag?: 'green' | 'yellow' | 'red' | 'grey' | 'blue'; /** the value as a link (a path on this site) */ href?: string }
export interface CasePanel { title: string; rows: CasePanelRow[] }

export interface CasePanelProvider {
  id: string;
  /** read with `db`: the case may be viewed inside a transaction (API calls), where another connection would wait for it */
  describe(application: { id: string; serviceId: string; agencyId: string; reference: string | null }, lang: Lang, db: Db): Promise<CasePanel | null>;
}
