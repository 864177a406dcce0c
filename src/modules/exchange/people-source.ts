/**
 * A person source over what Civitas's identity already holds about people:
 * the name and email address of the account of a person known by NRIC/FIN
 * (looked up by keyed hash, never by the number itself). The registry of
 * verified data registers richer person sources beside it.
 */
import { accountByNricHash, accountsWithNric, type AccountSummary } from '../identity/index.ts';
import type { PersonRecord, PersonSource } from './sources.ts';

export const PEOPLE_SOURCE_ID = 'people.accounts';

export function peopleSource(owningAgencyId: string): PersonSource {
  const record = (a: AccountSummary, items: string[]): PersonRecord => ({
    personAccountId: a.id, nricHash: a.nricHash!,
    values: Object.fromEntries(items.map((i) => [i, i === 'name' ? a.displayName || null : i === 'email' ? a.email : null])),
  });
  return {
    kind: 'person',
    id: PEOPLE_SOURCE_ID,
    owningAgencyId,
    title: { en: 'People with a Civitas account', ms: 'Individu yang mempunyai akaun Civitas', zh: '拥有 Civitas 账户的人士', ta: 'Civitas கணக்கு உள்ளவர்கள்' },
    description: {
      en: 'The name and email address a person gave when they signed up or were recorded by an agency, found by their NRIC/FIN.',
      ms: 'Nama dan alamat e-mel yang diberikan semasa mendaftar atau direkodkan oleh agensi, dicari melalui NRIC/FIN.',
      zh: '个人注册或由机构登记时提供的姓名和电子邮件地址，按身份证/准证号码查找。',
      ta: 'ஒருவர் பதிவுசெய்தபோது அல்லது ஒரு அமைப்பு பதிவுசெய்தபோது கொடுத்த பெயர், மின்னஞ்சல் முகவரி, NRIC/FIN மூலம் கண்டறியப்படும்.',
    },
    legalBasis: {
      en: 'Public Sector (Governance) Act 2018, section 23; the purpose must be stated with each call',
      ms: 'Akta Sektor Awam (Tadbir Urus) 2018, seksyen 23; tujuan mesti dinyatakan dengan setiap panggilan',
      zh: '《2018年公共部门（治理）法》第23条；每次调用都必须说明目的',
      ta: 'பொதுத் துறை (ஆளுகை) சட்டம் 2018, பிரிவு 23; ஒவ்வோர் அழைப்பிலும் நோக்கம் குறிப்பிடப்பட வேண்டும்',
    },
    items: [
      { name: 'name', classification: 'restricted', identifying: true, type: 'string', description: { en: 'Name as given by the person', ms: 'Nama seperti yang diberikan oleh individu', zh: '本人提供的姓名', ta: 'அவரே கொடுத்த பெயர்' } },
      { name: 'email', classification: 'restricted', identifying: true, type: 'string', description: { en: 'Email address (verified when the person signed up)', ms: 'Alamat e-mel (disahkan semasa mendaftar)', zh: '电子邮件地址（注册时已验证）', ta: 'மின்னஞ்சல் முகவரி (பதிவின்போது சரிபார்க்கப்பட்டது)' } },
    ],
    async read(trx, subject, items, ctx) {
      const a = await accountByNricHash(trx, ctx.keys, subject.nricHash);
      return a && a.kind === 'citizen' ? record(a, items) : null;
    },
    async list(trx, items, ctx, page) {
      return (await accountsWithNric(trx, ctx.keys, { after: page.after ?? undefined, limit: page.limit })).map((a) => record(a, items));
    },
  };
}
