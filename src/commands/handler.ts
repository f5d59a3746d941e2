import type { CommandServices } from './services.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

/** What every command handler receives: the request, who asks about what, the services and the time. */
export interface HandlerInput {
  request: CommandRequest;
  context: CommandContext;
  services: CommandServices;
  now: Date;
}

export type CommandHandler = (input: HandlerInput) => Promise<CommandReply>;
