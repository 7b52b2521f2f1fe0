// Errors the owner reads: a Korean sentence that names the problem and the next step.
export type DevmodeErrorCode =
  | 'NOT_FOUND'
  | 'PLAN'
  | 'ROLE'
  | 'NO_WORKSPACE'
  | 'INVALID_DOCUMENT'
  | 'WRONG_HOST'
  | 'WORKSPACE_MISSING'
  | 'SESSION_OPEN'
  | 'SESSION_BUSY'
  | 'NO_CAPACITY'
  | 'NO_ENGINE'
  | 'NO_IMAGE'
  | 'NOT_CONFIGURED'
  | 'START_FAILED';

export class DevmodeError extends Error {
  constructor(
    readonly code: DevmodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
