import type { DeadLetterRetry } from '../../store/deliveries.js';
import { ArgumentProblem } from '../arguments.js';
import { COMMAND_USAGE } from '../catalog.js';
import type { CommandHandler } from '../handler.js';
import { done, refused } from '../replies.js';
import type { CommandServices } from '../services.js';
import type { CommandReply } from '../types.js';
import type { Messages } from '../../i18n/index.js';

async function retryOne(services: CommandServices, t: Messages, id: string): Promise<CommandReply> {
  const outcome = await services.retryDeadLetter(id);
  if (outcome === 'unknown') return refused(t.noSuchDeadLetter(id));
  if (outcome === 'expired') return refused(t.deadLetterExpired(id));
  return done(t.requeued(id), { private: true });
}

async function retryAll(services: CommandServices, t: Messages): Promise<CommandReply> {
  const letters = (await services.deadLetters?.()) ?? [];
  if (letters.length === 0) return done(t.noDeadLetters, { private: true });
  const outcomes: DeadLetterRetry[] = [];
  // One at a time: a retry reads and rewrites the letter, and hundreds at once would only queue up on Redis.
  for (const letter of letters) outcomes.push(await services.retryDeadLetter(letter.id));
  const retried = outcomes.filter((outcome) => outcome === 'retried').length;
  const expired = outcomes.filter((outcome) => outcome === 'expired').length;
  const lines = [t.requeuedAll(retried, letters.length)];
  if (expired > 0) lines.push(t.someExpired(expired));
  return done(lines.join('\n'), { private: true });
}

/**
 * Owners put failed deliveries (the dead letters) back on the deliver queue with fresh attempts:
 * one by the id /status shows, or all of them.
 */
export const retry: CommandHandler = async ({ request, services, t }) => {
  const [which] = request.args;
  if (which === undefined || request.args.length > 1) {
    throw new ArgumentProblem((m) => m.nameADeadLetter, COMMAND_USAGE.retry.example);
  }
  return which.toLowerCase() === 'all' ? retryAll(services, t) : retryOne(services, t, which);
};
