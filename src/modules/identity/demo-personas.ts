/**
 * Demo personas: made-up people who can sign in with one click, in demo mode
 * only. Their NRICs follow the check-letter rules but belong to nobody.
 */
import { nricCheckLetter, uenCheckCharacter } from '../../platform/identifiers/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { LocalText } from '../../platform/i18n/index.ts';
import type { Role } from '../../platform/http/index.ts';
import { appendAudit } from '../../platform/audit/index.ts';
import { ensureBusiness, setBusinessRoles } from './businesses.ts';
import { findAccountByPersona, insertAccount, updateAccount } from './repository.ts';
import { emailIndex } from './validate.ts';
import { seedDemoTotp } from './second-factors.ts';

const nric = (prefix: string, digits: string) => `${prefix}${digits}${nricCheckLetter(prefix, digits)}`;

export interface Persona {
  id: string;
  name: string;
  email: string;
  nric: string | null;
  kind: 'citizen' | 'officer';
  roles: Role[];
  agencyId: string | null;
  description: LocalText;
}

export const DEMO_PERSONAS: Persona[] = [
  { id: 'tan-ah-kow', name: 'Tan Ah Kow', email: 'tan.ahkow@demo.civitas.sg', nric: nric('S', '8912345'), kind: 'citizen', roles: ['citizen'], agencyId: null,
    description: { en: 'Citizen, 36, father of a newborn', ms: 'Warganegara, 36, bapa kepada bayi baru lahir', zh: '公民，36岁，新生儿的父亲', ta: 'குடிமகன், 36, பிறந்த குழந்தையின் தந்தை' } },
  { id: 'siti-aminah', name: 'Siti Aminah binte Rahman', email: 'siti.aminah@demo.civitas.sg', nric: nric('S', '5834567'), kind: 'citizen', roles: ['citizen'], agencyId: null,
    description: { en: 'Citizen, 67, receives financial assistance', ms: 'Warganegara, 67, menerima bantuan kewangan', zh: '公民，67岁，领取经济援助', ta: 'குடிமகள், 67, நிதியுதவி பெறுபவர்' } },
  { id: 'rajesh-kumar', name: 'Rajesh Kumar s/o Muthu', email: 'rajesh.kumar@demo.civitas.sg', nric: nric('T', '0123456'), kind: 'citizen', roles: ['citizen'], agencyId: null,
    description: { en: 'Citizen, 25, dog owner, renovating his flat', ms: 'Warganegara, 25, pemilik anjing, mengubah suai flatnya', zh: '公民，25岁，养狗，正在装修组屋', ta: 'குடிமகன், 25, நாய் வளர்ப்பவர், தன் வீட்டைப் புதுப்பிக்கிறார்' } },
  { id: 'lim-mei-ling', name: 'Lim Mei Ling', email: 'lim.meiling@demo.civitas.sg', nric: nric('S', '7654321'), kind: 'citizen', roles: ['citizen', 'business_rep'], agencyId: null,
    description: { en: 'Owner of a bakery business, applies for licences', ms: 'Pemilik perniagaan roti, memohon lesen', zh: '面包店业主，申请执照', ta: 'வெதுப்பகத் தொழில் உரிமையாளர், உரிமங்களுக்கு விண்ணப்பிக்கிறார்' } },
  { id: 'nurul-huda', name: 'Nurul Huda binte Ismail', email: 'nurul.huda@demo.civitas.sg', nric: nric('S', '9023456'), kind: 'citizen', roles: ['citizen', 'business_rep'], agencyId: null,
    description: { en: "Manager at Lim's Bakery, applies for the business", ms: "Pengurus di Lim's Bakery, memohon bagi pihak perniagaan", zh: '林氏面包店经理，代表企业申请', ta: "Lim's Bakery மேலாளர், தொழிலின் சார்பில் விண்ணப்பிக்கிறார்" } },
  { id: 'wong-li-hua', name: 'Wong Li Hua', email: 'wong.lihua@msf.demo.civitas.sg', nric: null, kind: 'officer', roles: ['case_officer'], agencyId: 'msf',
    description: { en: 'Case officer, MSF', ms: 'Pegawai kes, MSF', zh: '个案官员，社会及家庭发展部', ta: 'வழக்கு அதிகாரி, MSF' } },
  { id: 'goh-siew-ling', name: 'Goh Siew Ling', email: 'goh.siewling@msf.demo.civitas.sg', nric: null, kind: 'officer', roles: ['approver'], agencyId: 'msf',
    description: { en: 'Approving officer, MSF', ms: 'Pegawai pelulus, MSF', zh: '审批官员，社会及家庭发展部', ta: 'அங்கீகரிக்கும் அதிகாரி, MSF' } },
  { id: 'ahmad-faizal', name: 'Ahmad Faizal', email: 'ahmad.faizal@msf.demo.civitas.sg', nric: null, kind: 'officer', roles: ['agency_admin'], agencyId: 'msf',
    description: { en: 'Agency administrator, MSF', ms: 'Pentadbir agensi, MSF', zh: '机构管理员，社会及家庭发展部', ta: 'அமைப்பு நிர்வாகி, MSF' } },
  { id: 'priya-nair', name: 'Priya Nair', email: 'priya.nair@avs.demo.civitas.sg', nric: null, kind: 'officer', roles: ['case_officer', 'approver'], agencyId: 'avs',
    description: { en: 'Case officer and approver, AVS', ms: 'Pegawai kes dan pelulus, AVS', zh: '个案及审批官员，动物及兽医服务署', ta: 'வழக்கு அதிகாரி, அங்கீகரிப்பவர், AVS' } },
  { id: 'suresh-pillai', name: 'Suresh Pillai', email: 'suresh.pillai@avs.demo.civitas.sg', nric: null, kind: 'officer', roles: ['agency_admin'], agencyId: 'avs',
    description: { en: 'Agency administrator, AVS (payments and reconciliation)', ms: 'Pentadbir agensi, AVS (bayaran dan penyesuaian)', zh: '机构管理员，动物及兽医服务署（付款与对账）', ta: 'அமைப்பு நிர்வாகி, AVS (கட்டணங்கள், கணக்கு ஒப்பீடு)' } },
  { id: 'chen-jia-hui', name: 'Chen Jia Hui', email: 'chen.jiahui@sfa.demo.civitas.sg', nric: null, kind: 'officer', roles: ['case_officer'], agencyId: 'sfa',
    description: { en: 'Case officer, SFA (food shop licences)', ms: 'Pegawai kes, SFA (lesen kedai makanan)', zh: '个案官员，新加坡食品局（食品店执照）', ta: 'வழக்கு அதிகாரி, SFA (உணவுக்கடை உரிமங்கள்)' } },
  { id: 'kelvin-tay', name: 'Kelvin Tay', email: 'kelvin.tay@ica.demo.civitas.sg', nric: null, kind: 'officer', roles: ['data_owner'], agencyId: 'ica',
    description: { en: 'Data owner, ICA (approves requests for its data)', ms: 'Pemilik data, ICA (meluluskan permintaan untuk datanya)', zh: '数据所有者，移民与关卡局（审批数据请求）', ta: 'தரவு உரிமையாளர், ICA (அதன் தரவுக்கான கோரிக்கைகளை அங்கீகரிக்கிறார்)' } },
  { id: 'daniel-ong', name: 'Daniel Ong', email: 'daniel.ong@msf.demo.civitas.sg', nric: null, kind: 'officer', roles: ['auditor'], agencyId: 'msf',
    description: { en: 'Auditor, MSF', ms: 'Juruaudit, MSF', zh: '审计员，社会及家庭发展部', ta: 'தணிக்கையாளர், MSF' } },
  { id: 'farah-aziz', name: 'Farah Aziz', email: 'farah.aziz@msf.demo.civitas.sg', nric: null, kind: 'officer', roles: ['kpi_viewer'], agencyId: 'msf',
    description: { en: 'Performance analyst (KPI viewer), MSF', ms: 'Penganalisis prestasi (pemapar KPI), MSF', zh: '绩效分析员（KPI 查看者），社会及家庭发展部', ta: 'செயல்திறன் பகுப்பாய்வாளர் (KPI பார்வையாளர்), MSF' } },
];

const uen = (body: string) => `${body}${uenCheckCharacter(body)}`;

/** Made-up businesses and who represents them (by persona), with their roles. */
export const DEMO_BUSINESSES = [
  { uen: uen('201512345'), name: "Lim's Bakery Pte Ltd", representatives: [{ persona: 'lim-mei-ling', roles: ['admin'] as const }, { persona: 'nurul-huda', roles: ['applicant'] as const }] },
];

/** Create or refresh the personas' accounts (idempotent). */
export async function seedDemoPersonas(ctx: AppContext): Promise<number> {
  let created = 0;
  for (const p of DEMO_PERSONAS) {
    const existing = await findAccountByPersona(ctx.db, p.id);
    if (existing) continue;
    await ctx.db.transaction().execute(async (trx) => {
      const id = await insertAccount(trx, {
        kind: p.kind, emailEnc: null, emailHash: emailIndex(ctx.keys, p.email), emailVerified: true, passwordHash: null,
        displayNameEnc: '', lang: 'en', roles: p.roles, agencyId: p.agencyId, demoPersona: p.id,
        nricHash: p.nric ? ctx.keys.blindIndex('nric', p.nric) : null,
      });
      await updateAccount(trx, id, {
        email_enc: ctx.keys.encrypt(p.email, `account:${id}`), display_name_enc: ctx.keys.encrypt(p.name, `account:${id}`),
        nric_enc: p.nric ? ctx.keys.encrypt(p.nric, `account:${id}`) : null,
      });
      await appendAudit(trx, { stream: `account:${id}`, action: 'identity.demo_persona_created', actorType: 'system', subjectType: 'account', subjectId: id, data: { persona: p.id } });
    });
    // people sign with a second factor; demo people get an authenticator whose code the demo shows
    const account = await findAccountByPersona(ctx.db, p.id);
    if (account && p.kind === 'citizen') await seedDemoTotp(ctx, account.id);
    created++;
  }
  for (const b of DEMO_BUSINESSES) {
    const existing = await ctx.db.selectFrom('businesses').select('uen').where('uen', '=', b.uen).executeTakeFirst();
    if (existing) continue;
    await ensureBusiness(ctx.db, b.uen, b.name, null);
    for (const r of b.representatives) {
      const p = DEMO_PERSONAS.find((x) => x.id === r.persona)!;
      await setBusinessRoles(ctx, { uen: b.uen, nric: p.nric!, name: p.name, roles: [...r.roles], by: null });
    }
  }
  return created;
}
