// Reads the official Proxmox VE API schema (pve-docs apidata, kept outside the project in
// ../shared/reference because it is AGPL reference material) and answers the questions the
// contract server asks of every request: does this path exist, does it take this method, and
// are these parameters what the API accepts. The checks follow PVE::JSONSchema's rules and
// messages (check_prop / check_type / check_object), so a request the real API rejects is
// rejected here too.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PveParamSchema {
  type?: string;
  optional?: 0 | 1;
  format?: string | Record<string, PveParamSchema>;
  pattern?: string;
  enum?: string[];
  minimum?: number | string;
  maximum?: number | string;
  minLength?: number;
  maxLength?: number;
  requires?: string | Record<string, unknown>;
  default_key?: 0 | 1;
  alias?: string;
  description?: string;
}

export interface PveMethodInfo {
  method: string;
  name: string;
  allowtoken?: 0 | 1;
  protected?: 0 | 1;
  parameters?: { additionalProperties?: 0 | 1; properties?: Record<string, PveParamSchema> };
  returns?: unknown;
}

export interface PveSchemaNode {
  path: string;
  text: string;
  leaf: 0 | 1;
  info?: Record<string, PveMethodInfo>;
  children?: PveSchemaNode[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the schema lives: next to the checkout, never inside it. */
export function defaultSchemaPath(): string {
  return path.resolve(repoRoot, '../shared/reference/proxmox-ve-api-schema.json');
}

export function loadPveSchema(schemaPath = defaultSchemaPath()): PveSchemaNode[] {
  if (!existsSync(schemaPath)) {
    throw new Error(
      `The Proxmox VE API schema was not found at ${schemaPath}. The Proxmox contract server checks every request ` +
        `against it; put pve-docs' apidata (converted to JSON) there — see ../shared/reference/README.md.`,
    );
  }
  const parsed = JSON.parse(readFileSync(schemaPath, 'utf8')) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((n) => n && typeof n === 'object' && typeof n.path === 'string')) {
    throw new Error(`${schemaPath} is not the Proxmox VE API schema (expected an array of { path, info, children })`);
  }
  return parsed as PveSchemaNode[];
}

export interface RouteMatch {
  node: PveSchemaNode;
  /** Values of `{param}` segments, URL-decoded. */
  pathParams: Record<string, string>;
}

/** Walks the schema tree segment by segment; a literal child wins over a `{param}` child. */
export function findRoute(schema: PveSchemaNode[], apiPath: string): RouteMatch | null {
  const segments = apiPath.split('/').filter(Boolean);
  if (segments.length === 0) return null;
  let level: PveSchemaNode[] = schema;
  let current: PveSchemaNode | null = null;
  const pathParams: Record<string, string> = {};
  for (const raw of segments) {
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      return null;
    }
    const lastSegment = (n: PveSchemaNode) => n.path.slice(n.path.lastIndexOf('/') + 1);
    let next = level.find((n) => lastSegment(n) === value) ?? null;
    if (!next) {
      next = level.find((n) => /^\{[^}]+\}$/.test(lastSegment(n))) ?? null;
      if (next) pathParams[lastSegment(next).slice(1, -1)] = value;
    }
    if (!next) return null;
    current = next;
    level = next.children ?? [];
  }
  return current ? { node: current, pathParams } : null;
}

/** Request parameters as they arrive: strings from a query or form, or JSON values. */
export type ParamValue = string | number | boolean | string[];

// --- formats: the ones the endpoints WindWalker calls use, with PVE's own rules and messages.
// A format not listed here is not verified (the real API verifies it); the list grows with use.

const nodeName = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const dnsLabel = '[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?';
const dnsName = new RegExp(`^(${dnsLabel}\\.)*${dnsLabel}$`);
const formatChecks: Record<string, (value: string) => string | null> = {
  'pve-node': (v) => (nodeName.test(v) ? null : 'value does not look like a valid node name'),
  'pve-vmid': (v) => (/^[1-9][0-9]{2,8}$/.test(v) ? null : 'value does not look like a valid VM ID'),
  'dns-name': (v) => (dnsName.test(v) ? null : 'value does not look like a valid DNS name'),
  'pve-storage-id': (v) => (/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v) ? null : `storage ID '${v}' contains illegal characters`),
  'pve-configid': (v) => (/^[a-z][a-z0-9_-]+$/i.test(v) ? null : `invalid configuration ID '${v}'`),
  'pve-poolid': (v) => (/^[A-Za-z0-9\-_]+(\/[A-Za-z0-9\-_]+){0,2}$/.test(v) ? null : `pool name '${v}' contains illegal characters`),
  'pve-tag': (v) => (/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v) ? null : `invalid tag '${v}'`),
  'pve-userid': (v) => (/^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/.test(v) ? null : `value '${v}' does not look like a valid user name`),
  'pve-realm': (v) => (/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v) ? null : `value '${v}' does not look like a valid realm`),
  ipv4: (v) => (/^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/.test(v) ? null : 'value does not look like a valid IPv4 address'),
  'mac-addr': (v) => (/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v) ? null : 'value does not look like a valid unicast MAC address'),
};

function checkNamedFormat(format: string, value: string): string | null {
  const direct = formatChecks[format];
  if (direct) return direct(value);
  const list = /^(.*)-list$/.exec(format);
  const item = list ? formatChecks[list[1]] : undefined;
  if (item) {
    for (const part of value.split(/[;,\0\s]+/).filter(Boolean)) {
      const error = item(part);
      if (error) return error;
    }
  }
  return null;
}

/** PVE stringifies Perl regexes ("(?^:…)", "(?^i:…)"); JavaScript wants "(?:…)". */
const compiledPatterns = new Map<string, RegExp | null>();
function compilePattern(pattern: string): RegExp | null {
  if (compiledPatterns.has(pattern)) return compiledPatterns.get(pattern) ?? null;
  let flags = '';
  const source = pattern.replace(/\(\?\^([a-z]*):/g, (_m, f: string) => {
    if (f.includes('i')) flags = 'i';
    return '(?:';
  });
  let compiled: RegExp | null;
  try {
    compiled = new RegExp(`^(?:${source})$`, flags);
  } catch {
    compiled = null;
  }
  compiledPatterns.set(pattern, compiled);
  return compiled;
}

const isNumber = (v: string) => /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(v);
const isInteger = (v: string) => /^[+-]?\d+$/.test(v);

function addError(errors: Record<string, string>, key: string, message: string) {
  errors[key] = errors[key] ? `${errors[key]}\n${message}` : message;
}

/** Splits a property string (`local-lvm:8,size=8G`) into its keys, the way parse_property_string does. */
function parsePropertyString(
  value: string,
  format: Record<string, PveParamSchema>,
): { values: Record<string, string>; error: string | null } {
  const values: Record<string, string> = {};
  const defaultKey = Object.entries(format).find(([, s]) => s.default_key)?.[0];
  let defaultUsed = false;
  for (const part of value.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq > 0) {
      const key = part.slice(0, eq);
      if (key in values) return { values, error: `duplicate key in comma-separated list property: ${key}` };
      values[key] = part.slice(eq + 1);
    } else if (eq === -1) {
      if (!defaultKey) return { values, error: 'value without key, but schema does not define a default key' };
      if (defaultUsed || defaultKey in values) return { values, error: `duplicate key in comma-separated list property: ${defaultKey}` };
      values[defaultKey] = part;
      defaultUsed = true;
    } else {
      return { values, error: 'missing key in comma-separated list property' };
    }
  }
  // Inside property strings PVE parses booleans with parse_boolean (yes/no/on/off/true/false/1/0).
  for (const [key, schema] of Object.entries(format)) {
    if (schema.type === 'boolean' && key in values) {
      const v = values[key].toLowerCase();
      if (/^(1|true|yes|on)$/.test(v)) values[key] = '1';
      else if (/^(0|false|no|off)$/.test(v)) values[key] = '0';
    }
  }
  return { values, error: null };
}

/** One value against one parameter schema (PVE::JSONSchema::check_prop). */
export function checkProp(value: ParamValue | undefined, schema: PveParamSchema, key: string, errors: Record<string, string>): void {
  if (value === undefined) {
    if (!schema.optional && !schema.alias) addError(errors, key, 'property is missing and it is not optional');
    return;
  }
  const type = schema.type;
  if (Array.isArray(value)) {
    if (type !== 'array') addError(errors, key, `type check ('${type}') failed - got ARRAY`);
    return;
  }
  if (typeof value === 'boolean') {
    if (type !== 'boolean') {
      addError(errors, key, `type check ('${type}') failed - got JSON::PP::Boolean`);
      return;
    }
    value = value ? '1' : '0';
  }
  const text = String(value);
  if (type === 'boolean' && text !== '0' && text !== '1') {
    addError(errors, key, `type check ('boolean') failed - got '${text}'`);
    return;
  }
  if (type === 'integer' && !isInteger(text)) {
    addError(errors, key, `type check ('integer') failed - got '${text}'`);
    return;
  }
  if (type === 'number' && !isNumber(text)) {
    addError(errors, key, `type check ('number') failed - got '${text}'`);
    return;
  }
  if (type === 'array' || type === 'object') {
    addError(errors, key, `type check ('${type}') failed`);
    return;
  }
  if (schema.format) {
    if (typeof schema.format === 'string') {
      const formatError = checkNamedFormat(schema.format, text);
      if (formatError) {
        addError(errors, key, `invalid format - ${formatError}`);
        return;
      }
    } else {
      const { values, error } = parsePropertyString(text, schema.format);
      if (error) {
        addError(errors, key, `invalid format - ${error}`);
        return;
      }
      const inner: Record<string, string> = {};
      checkObject(values, schema.format, 0, inner, key);
      if (Object.keys(inner).length > 0) {
        const detail = Object.entries(inner).map(([k, m]) => `${k}: ${m}`).join('\n');
        addError(errors, key, `invalid format - format error\n${detail}`);
        return;
      }
    }
  }
  if (schema.pattern) {
    const regex = compilePattern(schema.pattern);
    if (regex && !regex.test(text)) {
      addError(errors, key, 'value does not match the regex pattern');
      return;
    }
  }
  if (schema.maxLength !== undefined && text.length > schema.maxLength) {
    addError(errors, key, `value may only be ${schema.maxLength} characters long`);
    return;
  }
  if (schema.minLength !== undefined && text.length < schema.minLength) {
    addError(errors, key, `value must be at least ${schema.minLength} characters long`);
    return;
  }
  if (isNumber(text)) {
    const n = Number(text);
    if (schema.maximum !== undefined && n > Number(schema.maximum)) {
      addError(errors, key, `value must have a maximum value of ${schema.maximum}`);
      return;
    }
    if (schema.minimum !== undefined && n < Number(schema.minimum)) {
      addError(errors, key, `value must have a minimum value of ${schema.minimum}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.includes(text)) {
    addError(errors, key, `value '${text}' does not have a value in the enumeration '${schema.enum.join(', ')}'`);
  }
}

/** Finds the schema for a key, including indexed ones: `net0` is described as `net[n]`. */
function schemaFor(properties: Record<string, PveParamSchema>, key: string): PveParamSchema | undefined {
  if (Object.hasOwn(properties, key)) return properties[key];
  const indexed = /^([a-z][a-z_-]*?)(\d+)$/i.exec(key);
  if (indexed && Object.hasOwn(properties, `${indexed[1]}[n]`)) return properties[`${indexed[1]}[n]`];
  return undefined;
}

/** An object of values against a property map (PVE::JSONSchema::check_object). */
export function checkObject(
  values: Record<string, ParamValue>,
  properties: Record<string, PveParamSchema>,
  additionalProperties: 0 | 1 | undefined,
  errors: Record<string, string>,
  pathPrefix = '',
): void {
  const keyPath = (k: string) => (pathPrefix ? `${pathPrefix}.${k}` : k);
  for (const [key, schema] of Object.entries(properties)) {
    if (key.endsWith('[n]')) continue; // indexed keys are checked as they appear below
    checkProp(values[key], schema, keyPath(key), errors);
  }
  for (const [key, value] of Object.entries(values)) {
    const schema = schemaFor(properties, key);
    if (!schema) {
      if (additionalProperties === 0) {
        addError(errors, keyPath(key), 'property is not defined in schema and the schema does not allow additional properties');
      }
      continue;
    }
    if (!Object.hasOwn(properties, key)) checkProp(value, schema, keyPath(key), errors);
    if (typeof schema.requires === 'string' && values[schema.requires] === undefined) {
      addError(errors, keyPath(schema.requires), `missing property - '${keyPath(key)}' requires this property`);
    }
  }
}

/** The parameters of one request (path, query and body merged) against the method's schema. */
export function validateParameters(info: PveMethodInfo, values: Record<string, ParamValue>): Record<string, string> {
  const errors: Record<string, string> = {};
  const parameters = info.parameters ?? {};
  checkObject(values, parameters.properties ?? {}, parameters.additionalProperties, errors);
  return errors;
}

/** A `returns` schema: the documented shape of a method's answer. */
export interface PveReturnSchema {
  type?: string;
  optional?: 0 | 1;
  enum?: string[];
  items?: PveReturnSchema;
  properties?: Record<string, PveReturnSchema>;
}

/**
 * Problems with an answer against the method's documented `returns` shape: missing
 * non-optional fields, wrong JSON types, values outside an enum. (PVE encodes booleans as
 * 0/1 in answers, so both are accepted.) The contract server runs this on every answer it
 * gives, so its shapes cannot drift from the schema.
 */
export function checkReturn(schema: PveReturnSchema | undefined, value: unknown, at = 'data'): string[] {
  if (!schema || !schema.type) return [];
  if (value === undefined || value === null) {
    return schema.type === 'null' || schema.optional ? [] : [`${at}: missing`];
  }
  const problems: string[] = [];
  switch (schema.type) {
    case 'integer':
      if (!Number.isInteger(value)) problems.push(`${at}: expected integer, got ${JSON.stringify(value)}`);
      break;
    case 'number':
      if (typeof value !== 'number') problems.push(`${at}: expected number, got ${JSON.stringify(value)}`);
      break;
    case 'string':
      if (typeof value !== 'string') problems.push(`${at}: expected string, got ${JSON.stringify(value)}`);
      else if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: '${value}' is not one of ${schema.enum.join(', ')}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 0 && value !== 1) problems.push(`${at}: expected boolean (or 0/1), got ${JSON.stringify(value)}`);
      break;
    case 'array':
      if (!Array.isArray(value)) problems.push(`${at}: expected array`);
      else value.forEach((item, i) => problems.push(...checkReturn(schema.items, item, `${at}[${i}]`)));
      break;
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${at}: expected object`);
        break;
      }
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        problems.push(...checkReturn(property, (value as Record<string, unknown>)[key], `${at}.${key}`));
      }
      break;
    case 'null':
      problems.push(`${at}: expected null`);
      break;
  }
  return problems;
}
