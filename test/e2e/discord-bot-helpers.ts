import type { DiscordEmulator, InteractionResponse, CommandInvocation } from '../emulators/discord-api.js';

/** The interaction's own answer: a reply (callback type 4), or the edit of a deferred placeholder. */
export const isAnswer = (response: InteractionResponse): boolean => response.kind === 'edit-original' || (response.kind === 'callback' && response.type === 4);

/**
 * Runs `/herald …` as a member would and returns the interaction's responses up to its answer
 * (a reply, or the edit of a deferred placeholder when the machine was slow) and `followUps` more.
 */
export async function runHerald(
  emulator: DiscordEmulator,
  subcommand: string[],
  options: CommandInvocation['options'] = {},
  extra: Partial<CommandInvocation> = {},
  followUps = 0,
): Promise<InteractionResponse[]> {
  const { interactionId } = await emulator.invokeCommand({ command: 'herald', subcommand, options, ...extra }, 20_000);
  let responses = await emulator.waitForResponses(interactionId, 1, 20_000);
  while (!responses.some(isAnswer)) responses = await emulator.waitForResponses(interactionId, responses.length + 1, 20_000);
  return emulator.waitForResponses(interactionId, responses.findIndex(isAnswer) + 1 + followUps, 20_000);
}

/** Markdown as Discord shows it: a backslash before punctuation is hidden. */
export function shownText(markdown: unknown): string {
  return String(markdown ?? '').replace(/\\([^\w\s])/g, '$1');
}

/** The answer's text as the member sees it. */
export function answerText(responses: InteractionResponse[]): string {
  return shownText(responses.find(isAnswer)?.data.content);
}
