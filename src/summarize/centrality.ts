/**
 * LexRank-style sentence centrality: tf-idf vectors, cosine similarity, and a PageRank walk
 * over the similarity graph that is biased towards a prior (the lead of each article).
 */

/** A unit-length tf-idf vector: term → weight. */
export type TermVector = Map<string, number>;

/** tf-idf vectors of the given token lists, idf taken over the lists themselves, each normalized to length 1. */
export function termVectors(documents: string[][]): TermVector[] {
  const documentFrequency = new Map<string, number>();
  for (const tokens of documents) for (const term of new Set(tokens)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const count = documents.length;
  return documents.map((tokens) => {
    const vector: TermVector = new Map();
    for (const term of tokens) vector.set(term, (vector.get(term) ?? 0) + 1);
    let norm = 0;
    for (const [term, tf] of vector) {
      // Smoothed idf: a term in every sentence still counts a little, so two-sentence stories work.
      const weight = tf * (Math.log((1 + count) / (1 + documentFrequency.get(term)!)) + 1);
      vector.set(term, weight);
      norm += weight * weight;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [term, weight] of vector) vector.set(term, weight / norm);
    return vector;
  });
}

/** Cosine similarity of two unit vectors (0 when either is empty). */
export function cosine(a: TermVector, b: TermVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [term, weight] of small) {
    const other = large.get(term);
    if (other !== undefined) dot += weight * other;
  }
  return dot;
}

const DAMPING = 0.85;
const ITERATIONS = 40;

/**
 * Stationary scores of a random walk over the sentence similarity graph that jumps back to
 * sentences in proportion to `prior`. Higher = more central. Scores sum to 1.
 */
export function centrality(vectors: TermVector[], prior: number[]): number[] {
  const n = vectors.length;
  if (n === 0) return [];
  const priorSum = prior.reduce((sum, p) => sum + p, 0);
  const jump = prior.map((p) => (priorSum > 0 ? p / priorSum : 1 / n));
  const weights: number[][] = vectors.map((vector, i) => vectors.map((other, j) => (i === j ? 0 : cosine(vector, other))));
  const outDegree = weights.map((row) => row.reduce((sum, w) => sum + w, 0));

  let scores = jump.slice();
  for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
    // A sentence similar to nothing hands its score back through the prior.
    const dangling = scores.reduce((sum, score, i) => (outDegree[i] === 0 ? sum + score : sum), 0);
    const next = jump.map((p) => (1 - DAMPING) * p + DAMPING * dangling * p);
    for (let i = 0; i < n; i += 1) {
      if (outDegree[i] === 0) continue;
      const share = (DAMPING * scores[i]!) / outDegree[i]!;
      const row = weights[i]!;
      for (let j = 0; j < n; j += 1) next[j]! += share * row[j]!;
    }
    scores = next;
  }
  return scores;
}
