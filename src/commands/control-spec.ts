import type { Subscription } from '../subscriptions/model.js';
import type { HandlerInput } from './handler.js';
import type { CommandReply } from './types.js';

/** The screen that replaces the message, and a short `notice` (a toast on Telegram, a private note on Discord). */
export type ControlOutcome = CommandReply & { notice?: string };

interface ControlRules {
  /** Who may press it: managers (the admins who may change the briefing) or anyone (read-only). */
  who: 'managers' | 'anyone';
}

/**
 * What one action of a screen does, given the value after "=". Most need the target's
 * subscription (a button pressed after it was removed is stale); the feed list works without.
 */
export type ControlSpec =
  | (ControlRules & { needsSubscription?: true; run(input: HandlerInput, subscription: Subscription, value: string | undefined): Promise<ControlOutcome> })
  | (ControlRules & { needsSubscription: false; run(input: HandlerInput, subscription: Subscription | undefined, value: string | undefined): Promise<ControlOutcome> });
