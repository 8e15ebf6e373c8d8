// SCIM filter text (RFC 7644 3.4.2.2) into the tree of `scim2-parse-filter`, for Users and Groups,
// with two corrections to that library, found by the generated filters of scim-filter-fuzz.test.ts:
// - its tokenizer doubles every backslash not before a quote (to tolerate `"a\b"`), which turns a
//   correct `"\\"` into text JSON cannot read and `"\u00e9"` into six characters; each quoted token
//   here gets its literal exactly as the filter wrote it, and JSON decides what it means;
// - it reads `not` between two filters (`a pr not b pr`) as an operator with two operands, a tree
//   with no `filter`; such a filter is refused.
import type { Filter } from 'scim2-parse-filter';
import { parseFilter, tokenizer, Tokens } from 'scim2-parse-filter/lib/src/parser.js';
import { ScimError } from './scim-error.ts';

/** A compare value: a JSON string literal, its escapes included. A quote occurs nowhere else in a filter. */
const QUOTED = /"(?:[^"\\]|\\[^])*"/g;

function invalidFilter(detail: string): ScimError {
  return new ScimError(400, 'invalidFilter', `The filter does not parse: ${detail}`);
}

/** The filter's tree; ScimError `invalidFilter` when it is not one. */
export function parseScimFilter(filter: string): Filter {
  let tree: Filter;
  try {
    const literals = filter.match(QUOTED) ?? [];
    const tokens = tokenizer(filter);
    const quoted = tokens.filter((token) => token.type === 'Quoted');
    if (quoted.length !== literals.length) throw invalidFilter('a quoted value is not closed.');
    for (const [index, token] of quoted.entries()) token.literal = literals[index]!;
    const list = new Tokens(tokens);
    tree = parseFilter(list);
    if (list.peek().type !== 'EOT') throw invalidFilter(`it goes on after its end (${list.peek().literal}).`);
  } catch (error) {
    if (error instanceof ScimError) throw error;
    throw invalidFilter((error as Error).message);
  }
  checkShape(tree);
  return tree;
}

function checkShape(tree: Filter): void {
  const node = tree as { op: string; filter?: Filter; filters?: Filter[] };
  if (node.op === 'not') {
    if (!node.filter) throw invalidFilter('"not" applies to one filter in parentheses: not (…).');
    checkShape(node.filter);
  } else if (node.op === 'and' || node.op === 'or') node.filters?.forEach(checkShape);
  else if (node.op === '[]' && node.filter) checkShape(node.filter);
}
