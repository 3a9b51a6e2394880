// The typing indicator's sentence for one, two and many typists (SPEC S5.8).
import { describe, expect, it } from 'vitest';
import { I18n } from '../../i18n/i18n.svelte';
import { aboutNames, typingLine } from './lines';

describe('typingLine', () => {
	const en = new I18n(null, ['en']);
	it('names one, two, or the first and a count', () => {
		expect(typingLine(en, [])).toBe('');
		expect(typingLine(en, ['Ana'])).toBe('Ana is typing…');
		expect(typingLine(en, ['Ana', 'Bo'])).toBe('Ana and Bo are typing…');
		expect(typingLine(en, ['Ana', 'Bo', 'Cy'])).toBe('Ana and 2 others are typing…');
	});
});

// Issue 16: "Olivia Bennett typing a reply right now" lacked its verb.
describe('aboutNames (S9.4 collision guard)', () => {
	it('says "is" for one agent and "are" for several, in both languages', () => {
		const en = new I18n(null, ['en']);
		expect(aboutNames(en, 'presence.collisionTyping', ['Olivia Bennett'])).toBe('Olivia Bennett is typing a reply right now.');
		expect(aboutNames(en, 'presence.collisionTyping', ['Olivia', 'Tom'])).toBe('Olivia, Tom are typing a reply right now.');
		expect(aboutNames(en, 'presence.collisionDrafting', ['Olivia'])).toBe('Olivia is working on a reply draft.');
		const fr = new I18n(null, ['fr']);
		expect(aboutNames(fr, 'presence.collisionTyping', ['Olivia', 'Tom'])).toBe('Olivia, Tom écrivent une réponse en ce moment.');
		expect(aboutNames(fr, 'presence.joined', ['Olivia'])).toBe('Olivia a rejoint votre brouillon');
	});
});
