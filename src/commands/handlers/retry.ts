import type { DeadLetterRetry } from '../../store/deliveries.js';
import { ArgumentProblem } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import type { CommandHandler } from '../handler.js';
import { done, refused } from '../replies.js';
import type { CommandServices } from '../services.js';
import type { CommandReply } from '../types.js';

async function retryOne(services: CommandServices, id: string): Promise<CommandReply> {
  const outcome = await services.retryDeadLetter(id);
  if (outcome === 'unknown') return refused(`No failed delivery "${id}". /status lists them, with their ids.`);
  if (outcome === 'expired') return refused(`Cannot retry ${id}: its briefing has expired, so it can no longer be sent.`);
  return done(`${id} is queued again; only the parts that never went out are sent.`, { private: true });
}

async function retryAll(services: CommandServices): Promise<CommandReply> {
  const letters = (await services.deadLetters?.()) ?? [];
  if (letters.length === 0) return done('No failed deliveries are waiting.', { private: true });
  const outcomes: DeadLetterRetry[] = [];
  // One at a time: a retry reads and rewrites the letter, and hundreds at once would only queue up on Redis.
  for (const letter of letters) outcomes.push(await services.retryDeadLetter(letter.id));
  const retried = outcomes.filter((outcome) => outcome === 'retried').length;
  const expired = outcomes.filter((outcome) => outcome === 'expired').length;
  const lines = [`Queued again: ${retried} of ${letters.length} failed deliveries.`];
  if (expired > 0) lines.push(`${expired} could not be: their briefing has expired.`);
  return done(lines.join('\n'), { private: true });
}

/**
 * Owners put failed deliveries (the dead letters) back on the deliver queue with fresh attempts:
 * one by the id /status shows, or all of them.
 */
export const retry: CommandHandler = async ({ request, services }) => {
  const [which] = request.args;
  if (which === undefined || request.args.length > 1) {
    throw new ArgumentProblem('Name one failed delivery by the id /status shows, or say all.', COMMAND_USAGE.retry.example);
  }
  return which.toLowerCase() === 'all' ? retryAll(services) : retryOne(services, which);
};
