/** The platforms a bot token belongs to. */
export type BotPlatform = 'telegram' | 'discord';

/**
 * The platform refused the bot token itself (not the network, not one chat): no retry can help,
 * only a new token. The message says where to get one.
 */
export class TokenRejectedError extends Error {
  constructor(
    readonly platform: BotPlatform,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TokenRejectedError';
  }
}
