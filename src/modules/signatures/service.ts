/**
 * The signatures module's state at run time: its PKI (with the key store that
 * holds the private keys), where timestamps come from, how people step up
 * before signing, and the catalogue it reads services and agencies from.
 */
import type { AppContext } from '../../platform/context.ts';
import { localize } from '../../platform/i18n/index.ts';
import type { Catalogue } from '../catalogue/index.ts';
import type { SubmitStep } from '../applications/index.ts';
import { Pki } from './pki.ts';
import { SoftwareKeyStore, type KeyStore } from './signer.ts';
import { PasswordStepUp, type StepUp } from './step-up.ts';
import { InternalTsa, RemoteTsa, type TimestampSource } from './tsa.ts';
import type { TrustStore } from './verify-signature.ts';

export interface SignaturesOptions {
  keyStore?: KeyStore;
  stepUp?: StepUp;
  /** an external RFC 3161 authority (CIVITAS_TSA_URL); default: the built-in one */
  tsaUrl?: string;
  /** the fee step (payments module): a service with a fee is signed, then paid, and only then sent */
  payment?: SubmitStep;
}

export class Signatures {
  readonly pki: Pki;
  readonly tsa: TimestampSource;
  readonly stepUp: StepUp;
  readonly payment: SubmitStep | null;

  constructor(readonly ctx: AppContext, readonly catalogue: Catalogue, opts: SignaturesOptions = {}) {
    this.pki = new Pki(ctx, opts.keyStore ?? new SoftwareKeyStore(ctx.keys));
    this.tsa = opts.tsaUrl ? new RemoteTsa(opts.tsaUrl) : new InternalTsa(() => this.pki.tsaSigner(), ctx.clock);
    this.stepUp = opts.stepUp ?? new PasswordStepUp(ctx);
    this.payment = opts.payment ?? null;
  }

  async trustStore(): Promise<TrustStore> {
    const cas = await this.pki.caCertificates();
    return { root: cas.find((c) => c.kind === 'root')!.der, cas: cas.map((c) => c.der), lookup: (serial) => this.pki.bySerial(serial) };
  }

  agencyName(agencyId: string, lang: 'en' | 'ms' | 'zh' | 'ta' = 'en'): string {
    const a = this.catalogue.agency(agencyId);
    return a ? localize(a.name, lang) : agencyId;
  }

  sealSigner(agencyId: string) {
    return this.pki.sealSigner({ id: agencyId, name: this.agencyName(agencyId, 'en') });
  }
}
