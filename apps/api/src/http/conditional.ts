import { DomainError } from '@coupon/domain';

// RFC 9110 §8.8.3 and §13.1.1: ETag and If-Match with strong comparison. A coupon's
// entity tag is its row version, which every committed change bumps.

/** `*`, a list of entity tags (weak ones kept, as they never match strongly), or unreadable. */
export type IfMatch = { kind: 'any' } | { kind: 'tags'; tags: { weak: boolean; opaque: string }[] } | { kind: 'malformed' };

export function etagOf(version: number): string {
  return `"${version}"`;
}

// one entity-tag: [W/] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7E\x80-\xFF]*)"/;

/** Parses an If-Match field value; undefined when the header is absent. */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  let rest = header.trim();
  if (rest === '*') return { kind: 'any' };
  const tags: { weak: boolean; opaque: string }[] = [];
  // a #list: elements separated by commas with optional whitespace; empty elements are allowed
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest.length === 0) break;
    const match = ENTITY_TAG.exec(rest);
    if (!match) return { kind: 'malformed' };
    tags.push({ weak: match[1] !== undefined, opaque: match[2]! });
    rest = rest.slice(match[0].length).replace(/^[ \t]+/, '');
    if (rest.length > 0 && !rest.startsWith(',')) return { kind: 'malformed' };
  }
  return tags.length > 0 ? { kind: 'tags', tags } : { kind: 'malformed' };
}

/**
 * Throws 412 `precondition_failed` unless If-Match (when sent) names the current version.
 * Called inside the transaction, after the row is locked, so that of two writers holding the
 * same ETag exactly one passes. An unreadable If-Match matches nothing: 412 too (RFC 9110
 * makes the condition false unless a listed tag matches), with a detail saying why.
 */
export function checkIfMatch(ifMatch: IfMatch | undefined, version: number, what: string): void {
  if (ifMatch === undefined || ifMatch.kind === 'any') return;
  const current = etagOf(version);
  if (ifMatch.kind === 'malformed') {
    throw new DomainError('precondition_failed', `If-Match must be * or a list of quoted entity tags such as ${current}`);
  }
  if (ifMatch.tags.some((tag) => !tag.weak && `"${tag.opaque}"` === current)) return;
  throw new DomainError('precondition_failed', `${what} is at version ${current}, which If-Match does not name`);
}
