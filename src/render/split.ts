import { segments } from '../text/segmenter.js';

/**
 * Splitting rendered briefings into parts that fit a platform's limits.
 *
 * Renderers describe a briefing as blocks of spans (text runs with one formatting) rather than
 * markup strings, so a part boundary can only ever fall between spans or inside a span's text:
 * every part is rendered from whole spans, and a tag, entity or link can never be cut.
 */

/** A run of text with one formatting. */
export interface Span {
  text: string;
  bold?: boolean;
  italic?: boolean;
  /** Makes the span a link. */
  href?: string;
}

/** A unit kept in one part when it fits: the title, a section header, a bullet, the footer. */
export interface Block {
  spans: Span[];
  /** A header: moves to the next part together with the block after it. */
  keepWithNext?: boolean;
}

/**
 * How one platform writes and counts spans. Spans of one formatting joined into one must not cost
 * more than apart, cost(a + b) ≤ cost(a) + cost(b): the pieces of a split block are joined into runs.
 */
export interface Dialect {
  render(span: Span): string;
  /** The span's cost on each limited measure (e.g. visible length and markup length). */
  cost(span: Span): number[];
  /** The limit on each measure, in the same order. */
  limits: number[];
  /** Put between two blocks in one part. */
  separator: Span;
}

/** A part's markup. */
export function renderSpans(spans: Span[], dialect: Dialect): string {
  return spans.map((span) => dialect.render(span)).join('');
}

function totalCost(spans: Span[], dialect: Dialect): number[] {
  const total = dialect.limits.map(() => 0);
  for (const span of spans) dialect.cost(span).forEach((value, i) => (total[i]! += value));
  return total;
}

function fits(cost: number[], dialect: Dialect): boolean {
  return cost.every((value, i) => value <= dialect.limits[i]!);
}

const add = (a: number[], b: number[]) => a.map((value, i) => value + b[i]!);

/**
 * Packs blocks into as few parts as the limits allow, in order: whole blocks first; a header
 * goes with the block after it; a block too big for any part is split at sentence, then word,
 * then grapheme boundaries as a last resort. Returns each part's spans.
 */
export function packBlocks(blocks: Block[], dialect: Dialect): Span[][] {
  const parts: Span[][] = [];
  let current: Span[] = [];
  let currentCost = dialect.limits.map(() => 0);
  const separatorCost = dialect.cost(dialect.separator);

  const flush = () => {
    if (current.length > 0) parts.push(current);
    current = [];
    currentCost = dialect.limits.map(() => 0);
  };
  const append = (spans: Span[], cost: number[]) => {
    if (current.length > 0) {
      current = [...current, dialect.separator, ...spans];
      currentCost = add(add(currentCost, separatorCost), cost);
    } else {
      current = [...spans];
      currentCost = cost;
    }
  };
  const costWithCurrent = (cost: number[]) => (current.length > 0 ? add(add(currentCost, separatorCost), cost) : cost);

  const placeBlock = (block: Block) => {
    const spans = block.spans.filter((span) => span.text.length > 0);
    if (spans.length === 0) return;
    const cost = totalCost(spans, dialect);
    if (fits(costWithCurrent(cost), dialect)) return append(spans, cost);
    if (fits(cost, dialect)) {
      flush();
      return append(spans, cost);
    }
    // Too big for any part: its first piece fills what is left of the current one, so a header
    // or title is never left alone in a part of its own.
    const room = current.length > 0 ? dialect.limits.map((limit, i) => limit - currentCost[i]! - separatorCost[i]!) : dialect.limits;
    const [first, ...rest] = splitOversized(spans, dialect, room);
    if (first!.length > 0) append(first!, totalCost(first!, dialect));
    for (const piece of rest) {
      flush();
      append(piece, totalCost(piece, dialect));
    }
  };

  for (const unit of keepTogether(blocks)) {
    const spans = joinBlocks(unit, dialect.separator);
    const cost = totalCost(spans, dialect);
    // A header and its block move to a fresh part together when they fit one; if they fit no
    // part, they are placed one by one, the oversized block filling parts from here on.
    if (unit.length > 1 && !fits(costWithCurrent(cost), dialect) && fits(cost, dialect)) flush();
    unit.forEach(placeBlock);
  }
  flush();
  return parts;
}

/** Groups each header with the block that follows it. */
function keepTogether(blocks: Block[]): Block[][] {
  const units: Block[][] = [];
  let pending: Block[] = [];
  for (const block of blocks) {
    pending.push(block);
    if (!block.keepWithNext) {
      units.push(pending);
      pending = [];
    }
  }
  if (pending.length > 0) units.push(pending);
  return units;
}

function joinBlocks(blocks: Block[], separator: Span): Span[] {
  return blocks.flatMap((block, i) => (i === 0 ? block.spans : [separator, ...block.spans]));
}

type Granularity = 'sentence' | 'word' | 'grapheme' | 'codepoint';
const FINER: Record<Granularity, Granularity | undefined> = { sentence: 'word', word: 'grapheme', grapheme: 'codepoint', codepoint: undefined };

function pieces(text: string, granularity: Granularity): string[] {
  return granularity === 'codepoint' ? Array.from(text) : Array.from(segments(text, undefined, granularity), ({ segment }) => segment);
}

/** Cuts a span into pieces that each fit, as coarsely as possible. */
function atomize(span: Span, dialect: Dialect, granularity: Granularity): Span[] {
  if (fits(dialect.cost(span), dialect)) return [span];
  const finer = FINER[granularity];
  const texts = pieces(span.text, granularity);
  if (texts.length <= 1 && finer) return atomize(span, dialect, finer);
  return texts.flatMap((text) => {
    const piece = { ...span, text };
    if (fits(dialect.cost(piece), dialect) || !finer) return [piece];
    return atomize(piece, dialect, finer);
  });
}

/**
 * A block bigger than a whole part, cut into pieces: the first within `firstRoom` (it may be
 * empty when not even one atom fits there), the others within the limits. No piece starts or
 * ends with whitespace.
 */
function splitOversized(spans: Span[], dialect: Dialect, firstRoom: number[]): Span[][] {
  const atoms = spans.flatMap((span) => atomize(span, dialect, 'sentence'));
  const pieces: Span[][] = [[]];
  let room = firstRoom;
  let cost = dialect.limits.map(() => 0);
  for (const atom of atoms) {
    const withAtom = add(cost, dialect.cost(atom));
    if (withAtom.every((value, i) => value <= room[i]!)) {
      pieces.at(-1)!.push(atom);
      cost = withAtom;
      continue;
    }
    pieces.push([atom]);
    room = dialect.limits;
    cost = dialect.cost(atom);
  }
  const [first, ...rest] = pieces.map((piece) => trimEdges(mergeRuns(piece)));
  return [first!, ...rest.filter((piece) => piece.length > 0)];
}

const sameFormat = (a: Span, b: Span) => a.bold === b.bold && a.italic === b.italic && a.href === b.href;

/** Joins neighbouring spans of the same formatting, so a split bullet does not read `<b>a</b><b> b</b>`. */
function mergeRuns(spans: Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && sameFormat(last, span)) merged[merged.length - 1] = { ...last, text: last.text + span.text };
    else merged.push(span);
  }
  return merged;
}

/** Drops whitespace at the start and end of a part (removing text only ever lowers its cost). */
function trimEdges(spans: Span[]): Span[] {
  const out = spans.slice();
  while (out.length > 0 && out[0]!.text.trimStart() === '') out.shift();
  while (out.length > 0 && out.at(-1)!.text.trimEnd() === '') out.pop();
  if (out.length === 0) return out;
  out[0] = { ...out[0]!, text: out[0]!.text.trimStart() };
  out[out.length - 1] = { ...out.at(-1)!, text: out.at(-1)!.text.trimEnd() };
  return out;
}
