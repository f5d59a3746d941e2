import type { CommandHandler } from '../handler.js';
import { done } from '../replies.js';
import { currentSubscription, draftSubscription } from '../subscription-access.js';

/**
 * The briefing the target would get now, composed with preview: true so nothing is counted as
 * delivered. A destination without a subscription previews what subscribing would give.
 */
export const preview: CommandHandler = async (input) => {
  const subscription = (await currentSubscription(input)) ?? draftSubscription(input);
  const briefing = await input.services.composePreview(subscription, input.now);
  if (!briefing) return done(input.t.nothingNewFor(input.context.targetLabel), { private: true });
  return done(input.t.previewFor(input.context.targetLabel), { preview: briefing, private: true });
};
