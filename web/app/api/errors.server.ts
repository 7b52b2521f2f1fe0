// The public API's one error shape: {"error": {"code", "message", "message_en", "field"?}}.
// `message` is Korean (the product's first language), `message_en` English; validation errors
// name the field as a dotted path ("document.pages.0.title", "limit", "body").
import type { ZodError, ZodIssue } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageKo: string,
    readonly messageEn: string,
    readonly field?: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(messageEn);
    this.name = 'ApiError';
  }

  toBody() {
    return {
      error: {
        code: this.code,
        message: this.messageKo,
        message_en: this.messageEn,
        ...(this.field !== undefined ? { field: this.field } : {}),
        ...this.extra,
      },
    };
  }
}

export const notFound = (what: string, whatKo: string) =>
  new ApiError(404, 'not_found', `${whatKo}을(를) 찾을 수 없습니다. 아이디를 확인해 주세요.`, `${what} not found. Check the id.`);

function describeIssue(issue: ZodIssue, field: string): { ko: string; en: string; field: string } {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0];
      const named = issue.path.length === 0 ? key : `${field}.${key}`;
      return { field: named, ko: `알 수 없는 항목 ‘${named}’이(가) 있습니다. 문서에 있는 항목만 보내 주세요.`, en: `Unknown field '${named}'. Send only documented fields.` };
    }
    case 'invalid_type':
      if (issue.received === 'undefined') {
        return { field, ko: `‘${field}’ 항목이 필요합니다.`, en: `'${field}' is required.` };
      }
      return { field, ko: `‘${field}’ 항목은 ${issue.expected} 형식이어야 합니다 (받은 형식: ${issue.received}).`, en: `'${field}' must be ${issue.expected}, got ${issue.received}.` };
    default: {
      // Messages written in Korean by the schemas (site/) are kept; the English one is zod's own shape.
      const korean = /[가-힣]/.test(issue.message);
      return {
        field,
        ko: korean ? issue.message : `‘${field}’ 항목의 값이 올바르지 않습니다: ${issue.message}`,
        en: `'${field}' is invalid: ${korean ? issue.code : issue.message}`,
      };
    }
  }
}

/** A zod failure as a 400 naming the first field at fault. */
export function validationError(error: ZodError, where: 'body' | 'query' | null): ApiError {
  const issue = error.issues[0];
  const field = issue.path.map(String).join('.') || (where ?? 'body');
  const described = describeIssue(issue, field);
  return new ApiError(400, 'invalid_request', described.ko, described.en, described.field);
}
