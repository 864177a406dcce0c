/**
 * A dataset every agency publishes: how many cases it received, by service,
 * status and month. The items asked for are the dimensions to count by; an
 * approval for a subset (e.g. service and month only) gets coarser counts.
 */
import { caseCounts, type CaseCountDimension } from '../casework/index.ts';
import type { LocalText } from '../../platform/i18n/index.ts';
import type { DatasetSource } from './sources.ts';

export function caseStatisticsSource(agency: { id: string; name: LocalText }): DatasetSource {
  return {
    kind: 'dataset',
    id: `case-statistics.${agency.id}`,
    owningAgencyId: agency.id,
    title: { en: 'Case statistics', ms: 'Statistik kes', zh: '个案统计', ta: 'வழக்குப் புள்ளிவிவரங்கள்' },
    description: {
      en: 'How many applications the agency received, by service, status and month. Counts only: no person can be identified.',
      ms: 'Bilangan permohonan yang diterima oleh agensi, mengikut perkhidmatan, status dan bulan. Kiraan sahaja: tiada individu boleh dikenal pasti.',
      zh: '该机构收到的申请数量，按服务、状态和月份统计。仅为计数，无法识别任何个人。',
      ta: 'அமைப்பு பெற்ற விண்ணப்பங்களின் எண்ணிக்கை, சேவை, நிலை, மாதம் வாரியாக. எண்ணிக்கை மட்டுமே: எவரையும் அடையாளம் காண முடியாது.',
    },
    legalBasis: {
      en: 'Public Sector (Governance) Act 2018, section 23 (sharing of data between public agencies)',
      ms: 'Akta Sektor Awam (Tadbir Urus) 2018, seksyen 23 (perkongsian data antara agensi awam)',
      zh: '《2018年公共部门（治理）法》第23条（公共机构之间的数据共享）',
      ta: 'பொதுத் துறை (ஆளுகை) சட்டம் 2018, பிரிவு 23 (பொது அமைப்புகளுக்கு இடையே தரவுப் பகிர்வு)',
    },
    items: [
      { name: 'service', classification: 'official', type: 'string', description: { en: 'The service applied for (its id in the service catalogue)', ms: 'Perkhidmatan yang dipohon (id dalam katalog perkhidmatan)', zh: '所申请的服务（服务目录中的编号）', ta: 'விண்ணப்பித்த சேவை (சேவைப் பட்டியலில் அதன் அடையாளம்)' } },
      { name: 'status', classification: 'official', type: 'string', description: { en: 'Where the application is: submitted, in review, approved, rejected', ms: 'Kedudukan permohonan: dihantar, dalam semakan, diluluskan, ditolak', zh: '申请的状态：已提交、审核中、已批准、已拒绝', ta: 'விண்ணப்பத்தின் நிலை: சமர்ப்பிக்கப்பட்டது, பரிசீலனையில், அங்கீகரிக்கப்பட்டது, நிராகரிக்கப்பட்டது' } },
      { name: 'month', classification: 'official', type: 'string', description: { en: 'The month the application was received (YYYY-MM)', ms: 'Bulan permohonan diterima (YYYY-MM)', zh: '收到申请的月份（YYYY-MM）', ta: 'விண்ணப்பம் பெறப்பட்ட மாதம் (YYYY-MM)' } },
      { name: 'cases', classification: 'official', type: 'integer', description: { en: 'The number of applications', ms: 'Bilangan permohonan', zh: '申请数量', ta: 'விண்ணப்பங்களின் எண்ணிக்கை' } },
    ],
    async read(trx, _subject, items) {
      const dims = items.filter((i): i is CaseCountDimension => i === 'service' || i === 'status' || i === 'month');
      const rows = await caseCounts(trx, agency.id, dims);
      return rows.map((r) => (items.includes('cases') ? r : Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'cases'))));
    },
  };
}
