/** A small built-in emoji set for the composer's `:` picker (SPEC S5.6): no package, no network. */
export interface EmojiItem {
	char: string;
	/** Lower-case words the filter matches by prefix. */
	name: string;
}

export const EMOJI: readonly EmojiItem[] = [
	['😀', 'grinning smile'], ['😃', 'smiley'], ['😄', 'smile happy'], ['😁', 'grin'], ['😆', 'laughing'], ['😅', 'sweat smile'],
	['😂', 'joy tears laugh'], ['🙂', 'slight smile'], ['😉', 'wink'], ['😊', 'blush'], ['😍', 'heart eyes love'], ['😘', 'kiss'],
	['😎', 'cool sunglasses'], ['🤔', 'thinking'], ['😐', 'neutral'], ['🙄', 'eye roll'], ['😴', 'sleeping'], ['😢', 'cry sad'],
	['😭', 'sob'], ['😡', 'angry'], ['😱', 'scream'], ['🤗', 'hug'], ['🤝', 'handshake deal'], ['🙏', 'pray thanks please'],
	['👍', 'thumbsup ok yes like'], ['👎', 'thumbsdown no'], ['👏', 'clap'], ['🙌', 'raised hands'], ['👋', 'wave hello bye'], ['💪', 'muscle strong'],
	['👀', 'eyes look'], ['❤️', 'heart love red'], ['💙', 'blue heart'], ['💚', 'green heart'], ['🔥', 'fire hot'], ['✨', 'sparkles'],
	['🎉', 'tada party celebrate'], ['🎁', 'gift present'], ['✅', 'check done yes'], ['❌', 'x cross no'], ['⚠️', 'warning'], ['❓', 'question'],
	['💡', 'bulb idea'], ['📦', 'package parcel box'], ['🚚', 'truck delivery shipping'], ['📞', 'phone call'], ['📧', 'email mail'], ['📅', 'calendar date'],
	['⏰', 'alarm clock time'], ['💰', 'money bag'], ['💳', 'credit card payment'], ['🛒', 'cart shopping'], ['🔒', 'lock secure'], ['🔗', 'link'],
	['☕', 'coffee'], ['🍕', 'pizza'], ['🌞', 'sun'], ['🌧️', 'rain'], ['⭐', 'star'], ['💯', 'hundred perfect'],
	['🚀', 'rocket launch'], ['🐛', 'bug'], ['🤖', 'robot bot'], ['👌', 'ok hand perfect'], ['🙈', 'see no evil oops'], ['😬', 'grimace awkward']
].map(([char, name]) => ({ char: char!, name: name! }));

/** Emoji whose words start with `query` (all of them for an empty query), at most `limit`. */
export function filterEmoji(query: string, limit = 8): EmojiItem[] {
	const q = query.toLowerCase();
	const out: EmojiItem[] = [];
	for (const e of EMOJI) {
		if (!q || e.name.split(' ').some((w) => w.startsWith(q))) out.push(e);
		if (out.length >= limit) break;
	}
	return out;
}
