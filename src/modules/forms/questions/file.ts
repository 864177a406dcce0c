import type { FileValue, Question } from '../schema.ts';
import { commonParams, isBlank, required, type QuestionError, type QuestionType } from './types.ts';

export const FILE_KINDS = {
  pdf: { mime: 'application/pdf', magic: [0x25, 0x50, 0x44, 0x46] }, // %PDF
  png: { mime: 'image/png', magic: [0x89, 0x50, 0x4e, 0x47] },
  jpg: { mime: 'image/jpeg', magic: [0xff, 0xd8, 0xff] },
} as const;
export type FileKind = keyof typeof FILE_KINDS;

export const accepted = (q: Question): FileKind[] => (q.accept as FileKind[] | undefined) ?? ['pdf', 'jpg', 'png'];
export const maxBytes = (q: Question): number => Math.round((q.maxSizeMb ?? 10) * 1024 * 1024);

/** Identify a file by its first bytes, never by its name or the browser's claim. */
export function sniff(bytes: Buffer): FileKind | null {
  for (const [kind, { magic }] of Object.entries(FILE_KINDS)) {
    if (bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b)) return kind as FileKind;
  }
  return null;
}

/** Check an upload against the question's limits before it is stored. */
export function checkUpload(q: Question, file: { size: number; bytes: Buffer; truncated?: boolean }): { kind: FileKind } | { error: QuestionError } {
  if (file.truncated || file.size > maxBytes(q)) return { error: { key: 'forms.errors.fileTooLarge', params: { max: q.maxSizeMb ?? 10 } } };
  if (file.size === 0) return { error: { key: 'forms.errors.fileEmpty' } };
  const kind = sniff(file.bytes);
  if (!kind || !accepted(q).includes(kind)) return { error: { key: 'forms.errors.fileType', params: { types: accepted(q).map((k) => k.toUpperCase()).join(', ') } } };
  return { kind };
}

/** End a hint with a full stop when it has none, so hints can follow one another. */
const sentence = (t: string) => (/[.!?。]$/.test(t.trim()) ? t.trim() : `${t.trim()}.`);

export const file: QuestionType = {
  defaultName: 'forms.names.file',
  /** the route stores the upload first and puts its FileValue in the body */
  read: (q, body) => body[q.id],
  validate(q, candidate) {
    if (isBlank(candidate)) return required(q) ? { error: { key: 'forms.errors.upload' } } : {};
    const c = candidate as Partial<FileValue>;
    if (typeof c !== 'object' || typeof c.fileId !== 'string' || typeof c.name !== 'string' || typeof c.size !== 'number' || !Number.isFinite(c.size) || c.size < 0 || typeof c.type !== 'string') return { error: { key: 'forms.errors.upload' } };
    if (c.size > maxBytes(q)) return { error: { key: 'forms.errors.fileTooLarge', params: { max: q.maxSizeMb ?? 10 } } };
    return { value: { fileId: c.fileId, name: c.name, size: c.size, type: c.type } };
  },
  display: (_q, v) => {
    const f = v as FileValue;
    return `${f.name} (${(f.size / 1024).toFixed(0)} KB)`;
  },
  render(q, s) {
    const current = s.value as FileValue | undefined;
    return {
      macro: 'fileUpload',
      params: {
        ...commonParams(q, s),
        hint: { text: [q.hint ? sentence(s.localize(q.hint)) : '', s.t('forms.fileHint', { types: accepted(q).map((k) => k.toUpperCase()).join(', '), max: q.maxSizeMb ?? 10 }), current ? s.t('forms.fileCurrent', { name: current.name }) : ''].filter(Boolean).join(' ') },
        attributes: { accept: accepted(q).map((k) => FILE_KINDS[k].mime).join(',') },
      },
    };
  },
};
