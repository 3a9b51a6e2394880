import { describe, expect, it } from 'vitest';
import { commandFor, SHORTCUTS } from './keymap';
import { avatarBackground, avatarColor, contactName, initials } from './people';
import { fromLocalInput, snoozePresets, toLocalInput } from './snooze-presets';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
	key: k,
	ctrlKey: false,
	metaKey: false,
	altKey: false,
	...mods
});

describe('keymap', () => {
	it('maps single keys to commands outside text fields only', () => {
		expect(commandFor(key('j'), false)).toBe('next');
		expect(commandFor(key('ArrowUp'), false)).toBe('prev');
		expect(commandFor(key('e'), false)).toBe('close');
		expect(commandFor(key('?'), false)).toBe('help');
		expect(commandFor(key('j'), true)).toBeNull();
		expect(commandFor(key('Escape'), true)).toBe('escape');
		expect(commandFor(key('s', { ctrlKey: true }), false)).toBeNull();
	});
	it('gives every key one command', () => {
		const keys = SHORTCUTS.flatMap((s) => s.keys);
		expect(new Set(keys).size).toBe(keys.length);
	});
});

describe('people', () => {
	// Issue 16, accessibility: white initials on any avatar colour read at 4.5:1 (WCAG 1.4.3).
	it('darkens avatar colours too light for white initials, keeps dark ones', () => {
		const lum = (hex: string) => {
			const n = parseInt(hex.slice(1), 16);
			const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
				const c = v / 255;
				return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
			});
			return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
		};
		const ids = Array.from({ length: 200 }, (_, i) => `c-${i}`);
		for (const c of [...new Set(ids.map(avatarColor)), '#ef9e75', '#7ac797', '#ffff00', '#ffffff', '#0ea5e9']) {
			expect(1.05 / (lum(avatarBackground(c)) + 0.05), c).toBeGreaterThanOrEqual(4.5);
		}
		expect(avatarBackground('#1e293b')).toBe('#1e293b');
		expect(avatarBackground('var(--x)')).toBe('var(--x)');
	});

	it('names contacts and makes initials', () => {
		expect(contactName({ firstName: 'Ana', lastName: 'Lopez', phone: '', email: '' })).toBe('Ana Lopez');
		expect(contactName({ firstName: '', lastName: '', phone: '+33 6 12', email: 'a@b.c' })).toBe('+33 6 12');
		expect(initials('Ana Maria Lopez')).toBe('AL');
		expect(initials('élodie')).toBe('É');
		expect(initials('+33 6 12')).toBe('#');
		expect(initials('')).toBe('?');
	});
	it('gives a stable colour per id', () => {
		expect(avatarColor('abc')).toBe(avatarColor('abc'));
		expect(avatarColor('abc')).toMatch(/^#[0-9a-f]{6}$/);
	});
});

describe('snooze presets', () => {
	it('offers tonight only while an hour remains before 18:00', () => {
		const morning = new Date(2025, 2, 12, 10, 0).getTime(); // Wednesday
		const keys = snoozePresets(morning).map((p) => p.key);
		expect(keys).toEqual(['hour', 'tonight', 'tomorrow', 'nextWeek']);
		const late = new Date(2025, 2, 12, 17, 30).getTime();
		expect(snoozePresets(late).map((p) => p.key)).toEqual(['hour', 'tomorrow', 'nextWeek']);
	});
	it('puts tomorrow at 9:00 and next week on the coming Monday 9:00', () => {
		const wed = new Date(2025, 2, 12, 10, 0).getTime();
		const p = Object.fromEntries(snoozePresets(wed).map((x) => [x.key, new Date(x.at)]));
		expect(p.tomorrow?.getDate()).toBe(13);
		expect(p.tomorrow?.getHours()).toBe(9);
		expect(p.nextWeek?.getDay()).toBe(1);
		expect(p.nextWeek?.getDate()).toBe(17);
		const mon = new Date(2025, 2, 17, 10, 0).getTime();
		expect(new Date(snoozePresets(mon).at(-1)!.at).getDate()).toBe(24);
	});
	it('round-trips datetime-local values', () => {
		const t = new Date(2025, 2, 12, 18, 5).getTime();
		expect(toLocalInput(t)).toBe('2025-03-12T18:05');
		expect(fromLocalInput(toLocalInput(t))).toBe(t);
		expect(fromLocalInput('')).toBeNull();
	});
});
