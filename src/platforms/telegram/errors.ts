/**
 * Turns what the Telegram Bot API (through grammY) answered into the delivery job's decision:
 * give up on the destination, give up on one payload, follow a migrated group, or retry later.
 */
import { GrammyError, HttpError } from 'grammy';
import type { DeliveryFailure } from '../delivery.js';

/**
 * 400 answers that mean the destination itself is unusable, not the payload. Telegram words
 * these in several ways across chat types and API versions, hence a list.
 */
const DESTINATION_REFUSALS: readonly RegExp[] = [
  /chat not found/i,
  /have no rights to send/i,
  /not enough rights/i,
  /need administrator rights/i,
  /CHAT_WRITE_FORBIDDEN/i,
  /CHAT_RESTRICTED/i,
  /message thread not found/i,
  /TOPIC_(CLOSED|DELETED)/i,
  /group chat was deactivated/i,
  /PEER_ID_INVALID/i,
  /user is deactivated/i,
];

/** "Forbidden: bot was blocked by the user" reads better without the HTTP status word. */
function plainReason(description: string): string {
  return description.replace(/^(Bad Request|Forbidden|Unauthorized|Too Many Requests|Conflict|Internal Server Error):\s*/i, '');
}

function classifyApiError(error: GrammyError): DeliveryFailure {
  const { error_code: code, description, parameters } = error;
  const reason = plainReason(description);
  if (code === 429) {
    const retryAfterSeconds = parameters.retry_after ?? 1;
    return { kind: 'transient', reason: `Telegram rate limit: ${reason}`, retryAfterMs: retryAfterSeconds * 1000 };
  }
  if (parameters.migrate_to_chat_id !== undefined) return { kind: 'moved', newChatId: String(parameters.migrate_to_chat_id) };
  // 401/404 mean the token (or API root) is wrong: every destination would fail alike, so
  // retrying (and dead-lettering) is right, deactivating subscribers is not.
  if (code === 401 || code === 404) return { kind: 'transient', reason: `Telegram rejected the bot token or API root (${code} ${description}); check telegram.token and telegram.apiRoot` };
  if (code === 403) return { kind: 'permanent', scope: 'destination', reason };
  if (code === 400) {
    if (DESTINATION_REFUSALS.some((pattern) => pattern.test(description))) return { kind: 'permanent', scope: 'destination', reason };
    // Anything else (bad HTML, too long, empty) is this payload's fault: retrying it
    // unchanged can only fail again, and the subscriber should still get later briefings.
    return { kind: 'permanent', scope: 'part', reason: `Telegram refused this message: ${reason}` };
  }
  return { kind: 'transient', reason: `Telegram answered ${code}: ${reason}` };
}

/**
 * Classifies any error thrown by a grammY API call. Never throws; unknown errors are
 * transient so the job retries (and eventually dead-letters) rather than dropping a part.
 */
export function classifyTelegramError(error: unknown): DeliveryFailure {
  if (error instanceof GrammyError) return classifyApiError(error);
  if (error instanceof HttpError) return { kind: 'transient', reason: `cannot reach Telegram: ${describeCause(error.error)}` };
  return { kind: 'transient', reason: `unexpected error while sending to Telegram: ${describeCause(error)}` };
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
