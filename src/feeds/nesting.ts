/**
 * htmlparser2 keeps its open-element stack with unshift/shift, so each level of nesting costs
 * a copy of the whole stack: a document nested 200,000 deep takes minutes to parse. Real HTML
 * and feeds nest a few dozen levels; past this depth the rest of a document is ignored.
 */
export const MAX_NESTING_DEPTH = 512;
