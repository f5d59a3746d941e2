import type { Messages, ReplyLanguage } from '../i18n/index.js';
import type { CommandServices } from './services.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

/** What every command handler receives: the request, who asks about what, the services, the time and the reply's language. */
export interface HandlerInput {
  request: CommandRequest;
  context: CommandContext;
  services: CommandServices;
  now: Date;
  /** The reply's words, in `language`. */
  t: Messages;
  language: ReplyLanguage;
}

export type CommandHandler = (input: HandlerInput) => Promise<CommandReply>;
