// Errors the cdn module throws on purpose. `code` is for callers (web maps not_found to a 404,
// invalid_files to a 400 …); `message` is a Korean sentence an owner can read.
export type CdnErrorCode =
  | 'not_found' | 'not_ready' | 'invalid_files' | 'live_deployment'
  | 'invalid_domain' | 'domain_taken' | 'unsupported' | 'not_configured' | 'provider_failed' | 'already_there';

export class CdnError extends Error {
  readonly code: CdnErrorCode;

  constructor(code: CdnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CdnError';
    this.code = code;
  }
}
