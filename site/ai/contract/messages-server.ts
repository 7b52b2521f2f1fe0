import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local contract server for Anthropic's Messages API (POST /v1/messages), for tests and the
 * e2e flow: it checks each request the way the real API does (x-api-key or Bearer key, anthropic-version,
 * content-type, model / max_tokens / messages, alternating roles, tool definitions and
 * tool_choice, tool_result ids) and answers with the documented shapes: a `message` with
 * `tool_use` / `text` content blocks and `usage`, or an `error` object. Answers are scripted
 * per test; a request that arrives with nothing scripted is a test bug and answers 500.
 * Not part of site/'s front door: production code only ever talks to it through the SDK.
 */

export type ScriptedAnswer =
  | { kind: 'tool_use'; input: unknown; name?: string; stopReason?: 'tool_use' | 'max_tokens'; outputTokens?: number }
  | { kind: 'text'; text: string }
  | { kind: 'error'; status: 429 | 529 | 500 | 400; retryAfterSeconds?: number; message?: string };

export type AnswerScript = ScriptedAnswer | ((request: MessagesRequest) => ScriptedAnswer);

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: unknown;
  messages: { role: 'user' | 'assistant'; content: unknown }[];
  tools?: { name: string; description?: string; input_schema: Record<string, unknown> }[];
  tool_choice?: { type: string; name?: string };
  [key: string]: unknown;
}

export interface MessagesContractServer {
  url: string;
  apiKey: string;
  /** Requests that passed the contract checks, in order. */
  requests: MessagesRequest[];
  /** Requests refused by the contract checks, with the reason given. */
  rejected: { status: number; message: string }[];
  /** Queues answers for the next requests (first in, first out). */
  script(...answers: AnswerScript[]): void;
  /** Answers still queued. */
  pending(): number;
  close(): Promise<void>;
}

// API versions are dates; 2023-01-01 is the first the Messages API knows (the SDK pins its own).
const VERSION_PATTERN = /^20\d\d-[01]\d-[0-3]\d$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

class ContractViolation extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

function fail(message: string, status = 400, errorType = 'invalid_request_error'): never {
  throw new ContractViolation(status, errorType, message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkContentBlocks(content: unknown, at: string, role: string, previousToolUseIds: Set<string>): string[] {
  const ids: string[] = [];
  if (typeof content === 'string') {
    if (content.length === 0) fail(`${at}.content: string content must be non-empty`);
    return ids;
  }
  if (!Array.isArray(content) || content.length === 0) fail(`${at}.content: Input should be a valid list or string`);
  content.forEach((block, index) => {
    const where = `${at}.content.${index}`;
    if (!isObject(block) || typeof block.type !== 'string') fail(`${where}: each content block needs a type`);
    switch (block.type) {
      case 'text':
        if (typeof block.text !== 'string') fail(`${where}.text: Field required`);
        break;
      case 'tool_use':
        if (role !== 'assistant') fail(`${where}: tool_use blocks may only appear in assistant messages`);
        if (typeof block.id !== 'string' || typeof block.name !== 'string' || !isObject(block.input)) fail(`${where}: tool_use needs id, name and an object input`);
        ids.push(block.id);
        break;
      case 'tool_result':
        if (role !== 'user') fail(`${where}: tool_result blocks may only appear in user messages`);
        if (typeof block.tool_use_id !== 'string' || !previousToolUseIds.has(block.tool_use_id)) {
          fail(`${where}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
        }
        if (block.is_error !== undefined && typeof block.is_error !== 'boolean') fail(`${where}.is_error: Input should be a valid boolean`);
        break;
      default:
        fail(`${where}.type: unsupported block type ${block.type} in this contract server`);
    }
  });
  return ids;
}

/** The request checks, in the order the real API reports them. */
function checkRequest(headers: http.IncomingHttpHeaders, body: string, apiKey: string): MessagesRequest {
  // The API takes the key as `x-api-key` (the documented header) or as `Authorization: Bearer`
  // (what @anthropic-ai/sdk 1.x sends); one of them must carry this server's key.
  const bearer = /^Bearer (\S+)$/.exec(String(headers.authorization ?? ''))?.[1];
  const key = typeof headers['x-api-key'] === 'string' && headers['x-api-key'] !== '' ? headers['x-api-key'] : bearer;
  if (typeof key !== 'string' || key === '') fail('x-api-key header is required', 401, 'authentication_error');
  if (key !== apiKey) fail('invalid x-api-key', 401, 'authentication_error');
  const version = headers['anthropic-version'];
  if (typeof version !== 'string' || version === '') fail('anthropic-version: header is required');
  if (!VERSION_PATTERN.test(version) || version < '2023-01-01') fail(`anthropic-version: unknown version ${version}`);
  if (!String(headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) fail('content-type must be application/json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    fail('Request body is not valid JSON');
  }
  if (!isObject(parsed)) fail('Request body must be a JSON object');
  if (typeof parsed.model !== 'string' || parsed.model === '') fail('model: Field required');
  if (!Number.isInteger(parsed.max_tokens) || (parsed.max_tokens as number) < 1) fail('max_tokens: Field required (a positive integer)');
  if ((parsed.max_tokens as number) > 64000) fail(`max_tokens: ${String(parsed.max_tokens)} > 64000, which is the maximum allowed number of output tokens for ${parsed.model}`);
  if (parsed.stream === true) fail('stream: this contract server answers non-streaming requests only');
  if (!Array.isArray(parsed.messages) || parsed.messages.length === 0) fail('messages: at least one message is required');
  if (parsed.system !== undefined && typeof parsed.system !== 'string' && !Array.isArray(parsed.system)) fail('system: Input should be a valid string or list');

  const toolNames = new Set<string>();
  if (parsed.tools !== undefined) {
    if (!Array.isArray(parsed.tools)) fail('tools: Input should be a valid list');
    parsed.tools.forEach((tool, index) => {
      if (!isObject(tool)) fail(`tools.${index}: Input should be an object`);
      if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) fail(`tools.${index}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      if (toolNames.has(tool.name)) fail(`tools: Tool names must be unique (${tool.name})`);
      toolNames.add(tool.name);
      if (!isObject(tool.input_schema)) fail(`tools.${index}.input_schema: Field required`);
      if (tool.input_schema.type !== 'object') fail(`tools.${index}.input_schema.type: Input should be 'object'`);
      if (tool.input_schema.properties !== undefined && !isObject(tool.input_schema.properties)) fail(`tools.${index}.input_schema.properties: Input should be an object`);
      if (tool.description !== undefined && typeof tool.description !== 'string') fail(`tools.${index}.description: Input should be a valid string`);
    });
  }
  if (parsed.tool_choice !== undefined) {
    const choice = parsed.tool_choice;
    if (!isObject(choice) || !['auto', 'any', 'tool', 'none'].includes(String(choice.type))) fail("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
    if (choice.type !== 'none' && toolNames.size === 0) fail('tool_choice may only be specified while providing tools');
    if (choice.type === 'tool' && (typeof choice.name !== 'string' || !toolNames.has(choice.name))) fail(`tool_choice.name: no tool named ${String(choice.name)} in tools`);
  }

  let previousToolUseIds = new Set<string>();
  parsed.messages.forEach((message, index) => {
    const at = `messages.${index}`;
    if (!isObject(message)) fail(`${at}: Input should be an object`);
    if (message.role !== 'user' && message.role !== 'assistant') fail(`${at}.role: Input should be 'user' or 'assistant'`);
    if (index === 0 && message.role !== 'user') fail('messages: first message must use the "user" role');
    const previous = index > 0 ? (parsed.messages as Record<string, unknown>[])[index - 1] : null;
    if (previous && previous.role === message.role) fail('messages: roles must alternate between "user" and "assistant"');
    const ids = checkContentBlocks(message.content, at, message.role, previousToolUseIds);
    previousToolUseIds = new Set(ids);
  });
  return parsed as MessagesRequest;
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export async function startMessagesContractServer(opts: { apiKey?: string } = {}): Promise<MessagesContractServer> {
  const apiKey = opts.apiKey ?? `sk-ant-test-${randomBytes(8).toString('hex')}`;
  const queue: AnswerScript[] = [];
  const requests: MessagesRequest[] = [];
  const rejected: { status: number; message: string }[] = [];
  let counter = 0;

  const server = http.createServer((req, res) => {
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++counter}`, ...headers });
      res.end(JSON.stringify(payload));
    };
    const sendError = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
      send(status, { type: 'error', error: { type, message }, request_id: `req_${counter + 1}` }, headers);

    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/v1/messages') {
      sendError(404, 'not_found_error', `Not found: ${req.method} ${req.url}`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        sendError(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      let request: MessagesRequest;
      try {
        request = checkRequest(req.headers, body, apiKey);
      } catch (error) {
        if (error instanceof ContractViolation) {
          rejected.push({ status: error.status, message: error.message });
          sendError(error.status, error.errorType, error.message);
          return;
        }
        throw error;
      }
      requests.push(request);
      const next = queue.shift();
      if (!next) {
        sendError(500, 'api_error', 'contract server: no answer scripted for this request');
        return;
      }
      const answer = typeof next === 'function' ? next(request) : next;
      if (answer.kind === 'error') {
        const type = answer.status === 429 ? 'rate_limit_error' : answer.status === 529 ? 'overloaded_error' : answer.status === 400 ? 'invalid_request_error' : 'api_error';
        const headers: Record<string, string> = answer.retryAfterSeconds !== undefined ? { 'retry-after': String(answer.retryAfterSeconds) } : {};
        sendError(answer.status, type, answer.message ?? (answer.status === 529 ? 'Overloaded' : 'Number of request tokens has exceeded your per-minute rate limit'), headers);
        return;
      }
      const inputTokens = estimateTokens(body);
      if (answer.kind === 'text') {
        send(200, message(request.model, [{ type: 'text', text: answer.text }], 'end_turn', inputTokens, estimateTokens(answer.text)));
        return;
      }
      const name = answer.name ?? (request.tool_choice?.type === 'tool' ? request.tool_choice.name : request.tools?.[0]?.name) ?? 'tool';
      const block = { type: 'tool_use', id: `toolu_${randomBytes(12).toString('hex')}`, name, input: answer.input };
      const outputTokens = answer.outputTokens ?? estimateTokens(JSON.stringify(answer.input));
      send(200, message(request.model, [block], answer.stopReason ?? 'tool_use', inputTokens, outputTokens));
    });
  });

  function message(model: string, content: unknown[], stopReason: string, inputTokens: number, outputTokens: number) {
    return {
      id: `msg_${randomBytes(12).toString('hex')}`,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    rejected,
    script: (...answers) => void queue.push(...answers),
    pending: () => queue.length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
