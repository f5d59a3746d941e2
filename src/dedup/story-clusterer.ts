import type { Item } from '../feeds/item.js';
import {
  absorbIntoProfile,
  lookupTerms,
  placeItem,
  startProfile,
  topCandidates,
  type ClusterOptions,
  type Placement,
  type StoryProfile,
  type TermDocument,
  type TermStatistics,
} from './cluster.js';
import { fingerprintItem } from './fingerprint.js';
import { itemTime } from './item-time.js';
import { InMemoryNearDuplicateIndex } from './near-duplicate-index.js';

/**
 * Online, single-pass clustering in memory: near-duplicate lookup, then candidate stories via an
 * inverted index over each story's lookup terms, then `placeItem`. Items should arrive in
 * publication order.
 */
export class InMemoryStoryClusterer {
  private readonly nearDuplicates: InMemoryNearDuplicateIndex;
  private readonly profiles = new Map<string, StoryProfile>();
  private readonly storiesByTerm = new Map<string, Set<string>>();
  private readonly storyOfItem = new Map<string, string>();

  constructor(
    private readonly options: ClusterOptions,
    private readonly stats: TermStatistics,
  ) {
    this.nearDuplicates = new InMemoryNearDuplicateIndex(options);
  }

  /** Places one item and remembers it for the items that follow. */
  add(item: Item, document: TermDocument): Placement {
    const at = itemTime(item);
    const fingerprint = fingerprintItem(item, this.options);
    const original = this.nearDuplicates.querySync(fingerprint, at, item.feedId)[0];
    const terms = lookupTerms(document, this.stats, this.options.lookupTerms);
    const placement = placeItem(
      item.id,
      document,
      at,
      original === undefined ? undefined : this.storyOfItem.get(original),
      this.candidates(terms, at),
      this.stats,
      this.options,
    );
    this.nearDuplicates.addSync(item.id, fingerprint, at, item.feedId);
    this.storyOfItem.set(item.id, placement.storyId);
    this.record(placement, document, terms, at);
    return placement;
  }

  /** Stories of the window sharing lookup terms with the item, those sharing most first. */
  private candidates(terms: string[], at: number): StoryProfile[] {
    const hits = new Map<string, number>();
    for (const term of terms) {
      for (const storyId of this.storiesByTerm.get(term) ?? []) {
        if (Math.abs(at - this.profiles.get(storyId)!.updatedAt) <= this.options.windowMs) hits.set(storyId, (hits.get(storyId) ?? 0) + 1);
      }
    }
    return topCandidates(hits, this.options.maxCandidates).map((id) => this.profiles.get(id)!);
  }

  private record(placement: Placement, document: TermDocument, terms: string[], at: number): void {
    const profile = this.profiles.get(placement.storyId);
    if (!profile) this.profiles.set(placement.storyId, startProfile(placement.storyId, document, at));
    // A near-duplicate repeats its original's words: counting them again would only inflate the profile.
    else if (placement.kind === 'joined') absorbIntoProfile(profile, document, at);
    else profile.updatedAt = Math.max(profile.updatedAt, at);
    if (placement.kind === 'near-duplicate') return;
    for (const term of terms) {
      const stories = this.storiesByTerm.get(term);
      if (stories) stories.add(placement.storyId);
      else this.storiesByTerm.set(term, new Set([placement.storyId]));
    }
  }
}
