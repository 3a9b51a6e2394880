import type { IconName } from './icons/paths';

/** One entry of a `MenuList`. `group` starts a titled section when it changes. */
export interface MenuItem {
	id: string;
	label: string;
	icon?: IconName;
	avatar?: { name: string; color: string };
	/** Right-aligned text: a keyboard shortcut or a time. */
	hint?: string;
	checked?: boolean;
	disabled?: boolean;
	group?: string;
}

/** Index of the next enabled item from `from` in direction `dir`, wrapping; -1 if none. */
export function step(items: readonly MenuItem[], from: number, dir: 1 | -1): number {
	const n = items.length;
	for (let i = 1; i <= n; i++) {
		const j = (((from + dir * i) % n) + n) % n;
		if (!items[j]?.disabled) return j;
	}
	return -1;
}
