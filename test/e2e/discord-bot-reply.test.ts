import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { heraldCommandDefinition, parseSlashCommand, type SlashOptionValue, SUBCOMMANDS } from '../../src/platforms/discord/slash-commands.js';
import { replyMarkdown, replyMessages, splitMessages, withDiscordCommandNames } from '../../src/platforms/discord/interaction-reply.js';

/** Text with the characters that make splitting hard: newlines, backslashes, emoji (surrogate pairs), markdown. */
const awkwardText = fc
  .array(fc.constantFrom('a', 'word ', '\n', '\n\n', '\\', '\\\\', '🦊', '*', '_', '@everyone ', 'https://example.com/a_(b) ', ' '), { maxLength: 400 })
  .map((parts) => parts.join(''));

const lowSurrogateFirst = /^[\uDC00-\uDFFF]/;
const highSurrogateLast = /[\uD800-\uDBFF]$/;

describe('splitMessages', () => {
  it('keeps every message within the limit and loses or adds nothing visible', () => {
    fc.assert(
      fc.property(awkwardText, fc.integer({ min: 8, max: 120 }), (text, limit) => {
        const messages = splitMessages(text, limit);
        for (const message of messages) {
          expect(message.length).toBeLessThanOrEqual(limit);
          expect(message.trim()).not.toBe('');
          expect(message).not.toMatch(lowSurrogateFirst);
          expect(message).not.toMatch(highSurrogateLast);
        }
        // Blank messages are dropped (Discord refuses them): only whitespace may be lost.
        expect(messages.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
      }),
      { numRuns: 300 },
    );
  });

  it('never separates an escaping backslash from what it escapes', () => {
    fc.assert(
      fc.property(awkwardText, fc.integer({ min: 8, max: 120 }), (text, limit) => {
        // Every backslash of escaped text belongs to a pair "\\x"; an odd run at a message's end
        // would escape the next message's first character instead (or show a stray backslash).
        for (const message of splitMessages(replyMarkdown(text), limit)) expect(/\\*$/.exec(message)![0].length % 2).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps short replies in one message, lines intact', () => {
    expect(splitMessages('• one\n• two')).toEqual(['• one\n• two']);
    expect(splitMessages('a\nb\nc', 3)).toEqual(['a\nb', 'c']);
  });
});

describe('withDiscordCommandNames', () => {
  it('writes the core\'s command names as /herald subcommands, leaving web addresses and unknown words alone', () => {
    expect(withDiscordCommandNames('Try /preview to see it now.\n/addfeed https://example.com/feeds first')).toBe(
      'Try /herald preview to see it now.\n/herald feed add https://example.com/feeds first',
    );
    expect(withDiscordCommandNames('Ask one of them to run /removefeed, or /help, or /nonsense.')).toBe('Ask one of them to run /herald feed remove, or /help, or /nonsense.');
  });
});

describe('replyMarkdown', () => {
  it('escapes markdown and mentions but leaves web addresses clickable, without previews', () => {
    const markdown = replyMarkdown('Added **Loud** @everyone <@&1>: https://example.com/feed_1.xml?x=(2)');
    expect(markdown).toContain('\\*\\*Loud\\*\\*');
    expect(markdown).toContain('@\u200beveryone');
    expect(markdown).not.toMatch(/<@&/);
    expect(markdown).toContain('<https://example.com/feed_1.xml?x=(2)>');
  });

  it('gives a preview its rendered parts after the text, all without mentions', () => {
    const briefing = {
      title: 'Briefing @everyone',
      date: '2025-03-11',
      timezone: 'UTC',
      sections: [{ title: 'World', emoji: '🌍', bullets: [{ emoji: '🔸', headline: 'Rivers rise', summary: 'Water.', sources: [{ name: 'Wire', url: 'https://wire.example/1' }], items: ['https://wire.example/1'] }] }],
      stats: { itemsIn: 1, duplicatesDropped: 0, stories: 1 },
    };
    const messages = replyMessages({ text: 'Preview:', ok: true, preview: briefing }, {});
    expect(messages[0]?.content).toBe('Preview:');
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.slice(1).some((m) => Array.isArray(m.embeds) && m.embeds.length > 0)).toBe(true);
    expect(messages.every((m) => JSON.stringify(m.allowedMentions) === '{"parse":[]}')).toBe(true);
  });
});

describe('slash command table', () => {
  it('registers within Discord limits: descriptions of 1 to 100 characters, required options first', () => {
    const definition = heraldCommandDefinition() as { options: { description: string; options?: { description: string; required?: boolean; options?: { description: string; required?: boolean }[] }[] }[] };
    const leaves = definition.options.flatMap((option) => (option.options?.[0]?.options !== undefined ? option.options : [option]));
    for (const sub of leaves) {
      expect(sub.description.length).toBeGreaterThan(0);
      expect(sub.description.length).toBeLessThanOrEqual(100);
      const required = (sub.options ?? []).map((o) => o.required === true);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
    }
  });

  it('describes /herald, every subcommand and every option in Japanese too, within the same limits, without Telegram syntax', () => {
    type Described = { description: string; description_localizations?: Record<string, string>; options?: Described[] };
    const all = (node: Described): Described[] => [node, ...(node.options ?? []).flatMap(all)];
    const nodes = all(heraldCommandDefinition() as Described);
    for (const node of nodes) {
      const japanese = node.description_localizations?.ja;
      expect(japanese, node.description).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(japanese!.length).toBeLessThanOrEqual(100);
      expect(node.description).not.toMatch(/\w=\w|addfeed URL|subscribe 07:30/);
    }
  });

  it('maps options to the core request in table order, the channel to the target, whatever order they came in', () => {
    const values = new Map<string, SlashOptionValue>([
      ['keyword', 'central bank'],
      ['channel', '42'],
      ['action', 'add'],
    ]);
    expect(parseSlashCommand(['mute'], values)).toEqual({ request: { name: 'mute', args: ['add', 'central bank'], options: {} }, targetChannelId: '42' });
    const file = { name: 'f.opml', url: 'https://cdn.example/f.opml', size: 10 };
    expect(parseSlashCommand(['import'], new Map([['file', file]]))).toEqual({ request: { name: 'import', args: [], options: {} }, attachment: file });
    expect(parseSlashCommand(['settings'], new Map<string, SlashOptionValue>([['bullets', 8], ['previews', false]]))?.request.options).toEqual({ bullets: 8, previews: false });
    expect(parseSlashCommand(['feed', 'nonsense'], new Map())).toBeUndefined();
  });

  it('has exactly one table entry for each command the brief lists', () => {
    expect(SUBCOMMANDS.map((spec) => spec.path.join(' '))).toEqual([
      'subscribe', 'unsubscribe', 'feed add', 'feed remove', 'feed list', 'schedule', 'settings', 'mute', 'boost', 'preview', 'status', 'export', 'import', 'retry',
    ]);
  });
});
