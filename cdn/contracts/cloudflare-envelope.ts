// What every Cloudflare v4 API answer looks like, shared by the contract servers of Pages, DNS
// and Bulk Redirects: the {success, errors, messages, result} envelope, and the answer to a fault
// a test injects (429 with Cloudflare's rate-limit code, otherwise its generic error).
import { json, type ContractResponse } from './http.ts';

export function envelope(result: unknown, extra: Record<string, unknown> = {}): ContractResponse {
  return json(200, { success: true, errors: [], messages: [], result, ...extra });
}

export function failure(status: number, code: number, message: string): ContractResponse {
  return json(status, { success: false, errors: [{ code, message }], messages: [], result: null });
}

export function faultAnswer(fault: { status: number }): ContractResponse {
  return fault.status === 429
    ? failure(429, 971, 'Please wait and consider throttling your request speed')
    : failure(fault.status, 10013, 'An unknown error has occurred. Please try again.');
}
