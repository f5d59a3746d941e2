import type { ReplyLanguage, Say } from '../i18n/index.js';
import type { Destination, PlatformName } from '../platforms/delivery.js';
import type { ControlRow } from './controls.js';

/**
 * The platform-neutral command core's contract. A platform adapter (Telegram, Discord) parses
 * its own syntax into a `CommandRequest`, checks who may manage the target with the platform's
 * own rules, and turns the `CommandReply` back into its own message format.
 */

export type CommandName =
  | 'help'
  | 'subscribe'
  | 'unsubscribe'
  | 'feeds'
  | 'addfeed'
  | 'removefeed'
  | 'schedule'
  | 'settings'
  | 'mute'
  | 'boost'
  | 'preview'
  | 'status'
  | 'export'
  | 'import'
  | 'retry';

/** The platforms admins manage Herald from. */
export type CommandPlatform = Exclude<PlatformName, 'console'>;

/** Who is asking, where, and about which destination. */
export interface CommandContext {
  platform: CommandPlatform;
  user: { id: string; name?: string };
  /** The asker's app language (Telegram `language_code`, Discord `locale`): replies use it when the chat has no language of its own. */
  locale?: string;
  /**
   * The destination the command is about: usually where it was typed; a Telegram channel
   * managed from a private chat; a Discord channel named in the slash command's options.
   */
  target: Destination;
  /** Human name of the target for replies ("#news", "@mychannel", "this chat"), in English. */
  targetLabel: string;
  /** The same name in the reply's language; the runners put it in `targetLabel` once they know the language. */
  targetName?: Say;
  /**
   * Whether the user may change the target's subscription and feeds, as the adapter found with
   * the platform's rules (Telegram: chat admin or private chat; Discord: Manage Server).
   * Read-only commands (help, feeds, status, preview, export) are open to everyone.
   */
  canManage: boolean;
  /** A bot owner from config: may do everything and sees global stats. */
  isOwner: boolean;
  /**
   * Why Herald cannot post to the target, when it cannot (missing permission, not a member);
   * subscribe refuses with this text.
   */
  cannotPostReason?: string;
}

/** A parsed command: positional words and named options, as the platform gave them. */
export interface CommandRequest {
  name: CommandName;
  /** Positional arguments (Telegram: words after the command). */
  args: string[];
  /** Named options (Discord slash-command options; Telegram `key=value` words). */
  options: Record<string, string | number | boolean | undefined>;
  /** An attached file (OPML for import), already downloaded. */
  attachment?: { name: string; content: Uint8Array };
}

export interface CommandReply {
  /** Plain text; adapters escape it for their platform. Lines starting with "• " are list items. */
  text: string;
  /** True for replies that only concern the asker (Discord: ephemeral). */
  private?: boolean;
  /** A file to send back (OPML export). */
  file?: { name: string; content: Uint8Array; mimeType: string };
  /** A briefing preview to send as rendered parts after the text (the `preview` command). */
  preview?: import('../briefing/model.js').Briefing;
  /**
   * The reply asks for this command's argument: the answer to it (on Telegram, a reply to the
   * message) runs the command with it. Set by a bare /addfeed.
   */
  prompt?: CommandName;
  /** Buttons and menus under the text (see controls.ts); absent for plain replies. */
  controls?: ControlRow[];
  /** The language the text is in, for the adapter's own words around it. */
  language?: ReplyLanguage;
  /** False when the command was refused or its arguments were wrong (for tests and metrics). */
  ok: boolean;
}

/**
 * Runs one command: the single entry point adapters call (src/commands/index.ts).
 * `services` carries the stores, queues and fetch options the handlers need.
 */
export type RunCommand = (request: CommandRequest, context: CommandContext) => Promise<CommandReply>;

/** One-line descriptions for every command: Telegram's setMyCommands and Discord's command registration use them. */
export type CommandDescriptions = Record<CommandName, string>;
