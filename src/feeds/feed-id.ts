import { createHash } from 'node:crypto';

/**
 * A feed's stable id: a short hash of the location it was first added with. It does not change
 * when a permanent redirect later updates the stored URL, so items and schedules keep their keys.
 */
export function feedIdFor(location: string): string {
  return createHash('sha256').update(location.trim()).digest('base64url').slice(0, 12);
}
