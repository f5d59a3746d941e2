/**
 * Placeholders: items that announce news without giving any ("地震情報 / 続報をお待ちください。",
 * "Live updates / Follow our live coverage."). A reader gains nothing from such a bullet, so a
 * story made only of them is left out of the briefing, and in a story with real reports they
 * count as a source but never give the headline or a sentence.
 *
 * The rule is about content, not length: an item is a placeholder when its text says nothing
 * (empty, or only "more to follow"-style sentences) and its title only names a topic (at most
 * one word once labels such as "Breaking", "Live", "速報", "情報" are set aside). A short
 * item with a fact in its title ("宮城県沖で震度4 津波の心配なし", "Pope dies") or its text
 * ("Stocks open higher.") stays. The phrase lists are feed text, not Herald's own words, so
 * they live here rather than in the i18n catalogues; they cover English, Japanese, Chinese
 * (simplified and traditional) and German, and are matched whatever language an item declares.
 */
import type { Item } from '../feeds/item.js';
import { splitSentences } from '../text/sentences.js';
import { itemLanguage } from './language.js';
import { foldWhitespace, plainText } from './plain-text.js';
import { words } from './sentences.js';

/**
 * Whole sentences that only promise news: each pattern must match the entire sentence once it
 * is lower-cased and stripped of brackets and final punctuation.
 */
const FILLER_SENTENCES: readonly RegExp[] = [
  // English
  /^(?:(?:more|further|full)(?: (?:details|information|info|updates))?|details|information|updates?|full story)(?: (?:will|are|is))? (?:to )?(?:follow|come|soon|shortly|later|coming(?: soon| up)?)(?: (?:soon|shortly|later))?$/u,
  /^more (?:on this|as (?:we get it|it comes in|they come in|it happens))$/u,
  /^(?:this is a )?(?:developing|breaking) (?:story|news)(?:[,;]? (?:please )?(?:check back|refresh)(?: (?:later|soon|for updates|for more))*)?$/u,
  /^this (?:story|article|page|post) (?:is developing|(?:will be|is being) updated|will update)(?: (?:as|when) .{0,40})?$/u,
  /^(?:please )?(?:check back|refresh(?: this page)?|stay tuned)(?: (?:later|soon|for (?:updates|more|the latest)))*$/u,
  /^(?:follow|watch|read) (?:our|the|all|every|each)\b.{0,40}? (?:live|as it happens|here|live coverage|live updates|live blog)$/u,
  /^(?:we(?:'ll| will) (?:bring you|have) (?:more|updates|the latest)(?: .{0,30})?|watch this space|breaking|developing|just in|live updates?)$/u,
  // Japanese
  /^(?:続報|詳細|詳しい(?:こと|内容|情報)?|くわしいこと)(?:は|が|を)?.{0,20}(?:お待ちください|後ほど|のちほど|追って|分かり次第|わかり次第|入り次第|お伝えします|お知らせします)(?:.{0,12})?$/u,
  /^(?:ただいま|現在)?(?:情報|詳細|状況)を?(?:確認|取材)中(?:です)?$/u,
  /^(?:情報|続報)が?入り次第.{0,16}$/u,
  // Chinese (simplified and traditional)
  /^(?:更多)?(?:详情|詳情|详细情况|詳細情況|细节|細節|更多消息|更多资讯|更多資訊)(?:将|將|会|會)?(?:稍后|稍後|随后|隨後|容后|容後|待续|待續|正在核实中|正在核實中|请关注|請關注)(?:报道|報導|報道|公布|发布|發布|更新)?$/u,
  /^(?:敬请|敬請|请|請)(?:继续|繼續)?(?:关注|關注|留意)(?:后续|後續|最新)?(?:报道|報導|報道|消息|进展|進展)?$/u,
  /^(?:本台|本报|本報|本网|本網|我们|我們)?(?:将|將|会|會)?(?:持续|持續|继续|繼續)(?:关注|關注|更新|报道|報導)(?:中)?$/u,
  /^(?:持续|持續)?更新中$/u,
  // German
  /^(?:mehr|weitere(?:s)?(?: (?:informationen|infos|details|einzelheiten))?|details|einzelheiten|infos) (?:folgen|folgt|in kürze|gleich|demnächst|später)$/u,
  /^(?:wir berichten (?:weiter|in kürze|gleich)|(?:diese |die )?(?:meldung|nachricht|artikel|seite|text) wird (?:laufend |fortlaufend )?(?:aktualisiert|ergänzt)|(?:dieser|der) (?:artikel|text|beitrag) wird (?:laufend |fortlaufend )?(?:aktualisiert|ergänzt))$/u,
];

/**
 * Words that label a title rather than say anything ("Breaking", "Live", "速報", "情報", "快讯",
 * "Eilmeldung"): a title that is nothing else but one more word names a topic, not news.
 * Latin-script labels are whole words; CJK ones are taken out wherever they stand, since those
 * scripts have no spaces ("地震情報" is "earthquake" plus the label "information").
 */
const LATIN_LABELS = /\b(?:breaking|news|newsflash|update[sd]?|live|latest|developing|alert|flash|information|info|bulletin|just in|eilmeldung|aktuell|liveticker|ticker|meldung|nachrichten|informationen|infos)\b/giu;
const CJK_LABELS = /速報|情報|ニュース|続報|最新|更新|号外|第一報|ライブ|中継|快讯|快訊|突发|突發|消息|新闻|新聞|直播|最新消息/gu;

/** Punctuation and brackets a filler sentence may be wrapped in: "（続報をお待ちください）", "[More to follow]". */
const SENTENCE_DRESSING = /^[\s"'“‘«「『（(【[<-]+|[\s"'”’»」』）)】\]>.!?。！？．…:：,，、-]+$/gu;

/** Whether a sentence (or a title) only promises news: "More to follow.", "続報をお待ちください。", "详情稍后报道", "Mehr in Kürze". */
export function isFillerSentence(sentence: string): boolean {
  const core = foldWhitespace(sentence.normalize('NFKC').toLowerCase().replace(SENTENCE_DRESSING, ''));
  return core.length > 0 && FILLER_SENTENCES.some((pattern) => pattern.test(core));
}

/** Whether a title only names a topic: no words, or one once labels are set aside, or a filler sentence itself. */
function isTopicOnlyTitle(title: string, language: string | undefined): boolean {
  if (isFillerSentence(title)) return true;
  const unlabelled = title.normalize('NFKC').replace(LATIN_LABELS, ' ').replace(CJK_LABELS, ' ');
  return words(unlabelled, language).length <= 1;
}

/** Promises are a line or two: a text longer than this says something, and is not split to find out. */
const MAX_PROMISES_CHARS = 1_000;

/** Whether an item announces news without giving any (see the module comment). */
export function isPlaceholderItem(item: Item): boolean {
  if (item.text.length > MAX_PROMISES_CHARS) return false;
  const language = itemLanguage(item);
  if (!isTopicOnlyTitle(foldWhitespace(plainText(item.title)), language)) return false;
  return splitSentences(plainText(item.text), language).every(isFillerSentence);
}

/** Whether every item of a story is a placeholder: such a story has nothing to tell yet. */
export function isPlaceholderStory(items: readonly Item[]): boolean {
  return items.length > 0 && items.every(isPlaceholderItem);
}
