/** The renderers' public face: one import for the delivery job, the CLI and the composer. */
export { renderDiscord, DISCORD_LIMITS, type DiscordEmbed, type DiscordPart } from './discord.js';
export { renderAllPlatforms, renderParts, type PartsByPlatform, type Platform, type RenderedParts, type RenderOptions } from './parts.js';
export { renderTelegram, TELEGRAM_TEXT_LIMIT, type TelegramPart } from './telegram-html.js';
export { checkTelegramHtml, type TelegramHtmlCheck } from './telegram-html-check.js';
export { renderText, type TextPart } from './text.js';
