import { en } from '../../i18n/en.js';
import type { Messages } from '../../i18n/index.js';
import type { Destination, PlatformSender, SentPart } from '../delivery.js';

interface TextPart {
  text: string;
}

/**
 * Prints briefings instead of posting them: what Herald does when no bot token is configured,
 * so a first run shows its work and no briefing is lost.
 */
export class ConsoleSender implements PlatformSender<TextPart> {
  readonly platform = 'console' as const;
  private sent = 0;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly t: Messages = en,
  ) {}

  async send(destination: Destination, part: TextPart, context: { index: number; total: number; title: string }): Promise<SentPart> {
    const header = context.index === 0 ? `\n═══ ${context.title} → ${destination.chatId} ═══\n` : '';
    const footer = context.total > 1 ? `\n${this.t.consolePart(context.index + 1, context.total)}` : '';
    this.out.write(`${header}${part.text}${footer}\n`);
    this.sent += 1;
    return { messageId: `console-${this.sent}` };
  }
}
