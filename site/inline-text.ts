import type { Section } from './schema.ts';

/**
 * Owner text edited in place in the builder's preview. The preview marks each editable text
 * with `data-edit="<path>"` (a dotted path inside its section, e.g. `items.2.title`); these read
 * and replace the string at that path. Only existing string fields can be reached: a path that
 * names anything else (a number, an object, a missing item, `id` or `type`) is refused.
 */

const LOCKED_KEYS = new Set(['id', 'type', '__proto__', 'prototype', 'constructor']);

function walk(section: Section, path: string): { parent: Record<string, unknown> | unknown[]; key: string | number } | null {
  const parts = path.split('.');
  if (parts.length === 0 || parts.some((part) => part === '' || LOCKED_KEYS.has(part))) return null;
  let node: unknown = section;
  for (let i = 0; i < parts.length - 1; i++) {
    node = step(node, parts[i]);
    if (node === undefined || node === null || typeof node !== 'object') return null;
  }
  const last = parts[parts.length - 1];
  const key = Array.isArray(node) ? Number(last) : last;
  if (Array.isArray(node) && !(Number.isInteger(key) && (key as number) >= 0 && (key as number) < node.length)) return null;
  return { parent: node as Record<string, unknown> | unknown[], key };
}

function step(node: unknown, part: string): unknown {
  if (Array.isArray(node)) {
    const index = Number(part);
    return Number.isInteger(index) && index >= 0 && index < node.length ? node[index] : undefined;
  }
  if (node && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, part)) return (node as Record<string, unknown>)[part];
  return undefined;
}

/** The string at `path` in the section, or null when the path names no string field. */
export function sectionTextAt(section: Section, path: string): string | null {
  const found = walk(section, path);
  if (!found) return null;
  const value = (found.parent as Record<string | number, unknown>)[found.key];
  return typeof value === 'string' ? value : null;
}

/**
 * A copy of the section with the string at `path` replaced (the original is untouched), or the
 * same section when the path names no string field or the text is unchanged.
 */
export function withSectionText(section: Section, path: string, text: string): Section {
  const current = sectionTextAt(section, path);
  if (current === null || current === text) return section;
  const copy = structuredClone(section);
  const found = walk(copy, path);
  if (!found) return section;
  (found.parent as Record<string | number, unknown>)[found.key] = text;
  return copy;
}
