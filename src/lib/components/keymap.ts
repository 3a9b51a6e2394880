/**
 * The inbox's keyboard shortcuts as data: one table drives both the key handler and the `?`
 * overlay, so they cannot disagree. Single-key shortcuts never fire while the user types in a
 * field or holds Ctrl/Meta/Alt (browser and OS shortcuts keep working).
 */
import type { MessageKey } from '../i18n/en';

export type Command = 'next' | 'prev' | 'open' | 'close' | 'reopen' | 'snooze' | 'assign' | 'search' | 'newContact' | 'help' | 'escape';

export interface Shortcut {
	command: Command;
	keys: string[];
	label: MessageKey;
}

export const SHORTCUTS: Shortcut[] = [
	{ command: 'next', keys: ['j', 'ArrowDown'], label: 'keys.next' },
	{ command: 'prev', keys: ['k', 'ArrowUp'], label: 'keys.prev' },
	{ command: 'open', keys: ['Enter'], label: 'keys.openConv' },
	{ command: 'close', keys: ['e'], label: 'keys.close' },
	{ command: 'reopen', keys: ['o'], label: 'keys.reopen' },
	{ command: 'snooze', keys: ['s'], label: 'keys.snooze' },
	{ command: 'assign', keys: ['a'], label: 'keys.assign' },
	{ command: 'search', keys: ['/'], label: 'keys.search' },
	{ command: 'newContact', keys: ['n'], label: 'keys.newContact' },
	{ command: 'help', keys: ['?'], label: 'keys.help' },
	{ command: 'escape', keys: ['Escape'], label: 'keys.escape' }
];

const BY_KEY = new Map<string, Command>(SHORTCUTS.flatMap((s) => s.keys.map((k) => [k, s.command] as const)));

export interface KeyInput {
	key: string;
	ctrlKey: boolean;
	metaKey: boolean;
	altKey: boolean;
}

/** The command for a key press, or null. `typing`: focus is in a text field. */
export function commandFor(e: KeyInput, typing: boolean): Command | null {
	if (e.ctrlKey || e.metaKey || e.altKey) return null;
	if (typing) return e.key === 'Escape' ? 'escape' : null;
	return BY_KEY.get(e.key) ?? null;
}

/** Whether an element takes text input (single-key shortcuts must not fire there). */
export function isTyping(el: Element | null): boolean {
	if (!el) return false;
	if (el instanceof HTMLElement && el.isContentEditable) return true;
	const tag = el.tagName;
	if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
	if (tag !== 'INPUT') return false;
	const type = (el as HTMLInputElement).type;
	return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
}
