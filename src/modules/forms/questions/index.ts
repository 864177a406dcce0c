import type { QuestionTypeName } from '../schema.ts';
import { address } from './address.ts';
import { choice, multichoice, yesno } from './choice.ts';
import { date } from './date.ts';
import { email } from './email.ts';
import { file } from './file.ts';
import { nric, uen } from './identifiers.ts';
import { number } from './number.ts';
import { phone } from './phone.ts';
import { text, textarea } from './text.ts';
import type { QuestionType } from './types.ts';

export const QUESTION_TYPE_IMPLS: Record<QuestionTypeName, QuestionType> = {
  text, textarea, number, email, phone, date, nric, uen, address, choice, multichoice, yesno, file,
};

export type { FormBody, QuestionError, QuestionType, RenderState, Rendered, ValidateContext } from './types.ts';
export { checkUpload, sniff, FILE_KINDS, type FileKind } from './file.ts';
export { formatAddress } from './address.ts';
export { normaliseEmail } from './email.ts';
