/**
 * How a Discord start tells a rejected token (401 on REST, TokenInvalid from discord.js's login)
 * from a Discord it cannot reach: the first becomes a TokenRejectedError saying
 * where to get a new token, the rest is left to the caller to retry.
 */
import { DiscordAPIError, DiscordjsError, DiscordjsErrorCodes, Routes, type APIUser } from 'discord.js';
import { TokenRejectedError } from '../token-rejected.js';
import { createDiscordRest, type DiscordConfig } from './client.js';

const DISCORD_TOKEN_FIX = 'reset it under Bot in the Developer Portal (https://discord.com/developers/applications) and put the new one in DISCORD_BOT_TOKEN';

/** The TokenRejectedError an error amounts to, or undefined when it says nothing about the token. */
export function discordTokenRejection(error: unknown): TokenRejectedError | undefined {
  const rejected =
    (error instanceof DiscordAPIError && error.status === 401) || (error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.TokenInvalid);
  if (!rejected) return undefined;
  return new TokenRejectedError('discord', `Discord rejected DISCORD_BOT_TOKEN (401: Unauthorized): ${DISCORD_TOKEN_FIX}`, { cause: error });
}

/** Who the token belongs to (GET /users/@me); throws TokenRejectedError when Discord refuses it. */
export async function verifyDiscordToken(config: DiscordConfig, signal: AbortSignal): Promise<APIUser> {
  try {
    return (await createDiscordRest(config).get(Routes.user('@me'), { signal })) as APIUser;
  } catch (error) {
    throw discordTokenRejection(error) ?? error;
  }
}
