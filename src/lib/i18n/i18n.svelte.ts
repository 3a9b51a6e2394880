/**
 * The UI language, one instance per app (passed by context, see `context.ts`). The locale comes
 * from a stored choice, else the browser (`navigator.languages`), and a change is persisted in
 * localStorage under `STORAGE_KEY`, so the choice survives reloads and applies to every tab.
 */
import { en, type MessageKey, type Messages } from './en';
import { fr } from './fr';
import { DateFormats, detectLocale, LOCALES, type Locale } from './format';

export const STORAGE_KEY = 'parley.locale';
const CATALOGS: Record<Locale, Messages> = { en, fr };

/** Keys that have `.one` / `.other` plural forms. */
export type PluralBase = MessageKey extends infer K ? (K extends `${infer B}.one` ? B : never) : never;

export type Params = Record<string, string | number>;

function fill(text: string, params: Params | undefined): string {
	if (!params) return text;
	return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export class I18n {
	locale = $state<Locale>('en');
	readonly locales = LOCALES;
	#formats = $derived(new DateFormats(this.locale));
	#plural = $derived(new Intl.PluralRules(this.locale));

	constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null, browserLanguages: readonly string[]) {
		let stored: string | null = null;
		try {
			stored = storage?.getItem(STORAGE_KEY) ?? null;
		} catch {
			// Storage can be denied (private mode); the browser language still applies.
		}
		this.locale = detectLocale(stored, browserLanguages);
	}

	get formats(): DateFormats {
		return this.#formats;
	}

	setLocale(locale: Locale): void {
		this.locale = locale;
		try {
			this.storage?.setItem(STORAGE_KEY, locale);
		} catch {
			// Not persisted; the choice holds for this session.
		}
	}

	t = (key: MessageKey, params?: Params): string => fill(CATALOGS[this.locale][key], params);

	/** A plural message: `tn('row.unread', 3)` reads `row.unread.other` with `{count}` = 3. */
	tn = (base: PluralBase, count: number, params?: Params): string => {
		const form = this.#plural.select(count) === 'one' ? 'one' : 'other';
		return this.t(`${base}.${form}` as MessageKey, { count, ...params });
	};

	/** Name of a language in itself, for the language switch. */
	static languageName(locale: Locale): string {
		return locale === 'fr' ? 'Français' : 'English';
	}
}
