/**
 * Admin commands, platform-neutral: Telegram and Discord parse their messages into a
 * CommandRequest and call the runner made here; replies come back as plain CommandReply data
 * for the adapter to render. Each command's handler lives in handlers/.
 */
import { ArgumentProblem } from './arguments.js';
import { COMMAND_USAGE, changesSomething, ownersOnly, takesNoArguments } from './catalog.js';
import type { CommandHandler, HandlerInput } from './handler.js';
import { addfeed, feeds, removefeed } from './handlers/feeds.js';
import { help } from './handlers/help.js';
import { boost, mute } from './handlers/keywords.js';
import { exportFeeds, importFeeds } from './handlers/opml.js';
import { preview } from './handlers/preview.js';
import { retry } from './handlers/retry.js';
import { schedule } from './handlers/schedule.js';
import { settings } from './handlers/settings.js';
import { status } from './handlers/status.js';
import { subscribe, unsubscribe } from './handlers/subscribe.js';
import { argumentReply, refused } from './replies.js';
import type { CommandServices } from './services.js';
import type { CommandName, CommandReply, RunCommand } from './types.js';
import { replyLanguageFor, speakingContext } from './subscription-access.js';
import { messagesIn } from '../i18n/index.js';

export { ArgumentProblem } from './arguments.js';
export { COMMAND_DESCRIPTIONS, COMMAND_USAGE, changesSomething } from './catalog.js';
export { createControlRunner, type ControlReply, type RunControl } from './control-runner.js';
export type { CommandServices, DeadLetterSummary, SchedulingPort, SubscriptionRepository } from './services.js';
export type * from './types.js';

const HANDLERS: Record<CommandName, CommandHandler> = {
  help,
  subscribe,
  unsubscribe,
  feeds,
  addfeed,
  removefeed,
  schedule,
  settings,
  mute,
  boost,
  preview,
  status,
  export: exportFeeds,
  import: importFeeds,
  retry,
};

/**
 * The single entry point platform adapters call. Owners-only commands need an owner; changes
 * need `canManage` (or an owner); everything else is open. Wrong arguments come back as a reply saying what was wrong with an
 * example, never as an exception; other errors (Redis down) propagate for the adapter to log.
 * Replies are in the target's language, else the asker's (see i18n).
 */
export function createCommandRunner(services: CommandServices): RunCommand {
  return async (request, context) => {
    const language = await replyLanguageFor(services, context);
    const t = messagesIn(language);
    const reply = await runHandler({ request, context: speakingContext(context, t), services, now: services.now?.() ?? new Date(), t, language });
    return { ...reply, language: reply.language ?? language };
  };
}

async function runHandler(input: HandlerInput): Promise<CommandReply> {
  const { request, context, t } = input;
  if (ownersOnly(request.name) && !context.isOwner) return refused(t.ownersOnly(request.name));
  if (changesSomething(request.name, request.args, request.options) && !context.canManage && !context.isOwner) {
    return refused(t.managersOnly(context.targetLabel, request.name));
  }
  try {
    if (takesNoArguments(request.name) && request.args.length > 0) {
      throw new ArgumentProblem((m) => m.takesNoArguments(request.name, request.args.join(' ')), COMMAND_USAGE[request.name].example);
    }
    return await HANDLERS[request.name](input);
  } catch (error) {
    if (error instanceof ArgumentProblem) return argumentReply(error, t, context.platform);
    throw error;
  }
}
