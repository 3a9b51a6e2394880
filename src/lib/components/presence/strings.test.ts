// The typing indicator's sentence for one, two and many typists (SPEC S5.8).
import { describe, expect, it } from 'vitest';
import { aboutNames, presenceStrings, typingLine } from './strings';

describe('typingLine', () => {
	const s = presenceStrings('en');
	it('names one, two, or the first and a count', () => {
		expect(typingLine(s, [])).toBe('');
		expect(typingLine(s, ['Ana'])).toBe('Ana is typing…');
		expect(typingLine(s, ['Ana', 'Bo'])).toBe('Ana and Bo are typing…');
		expect(typingLine(s, ['Ana', 'Bo', 'Cy'])).toBe('Ana and 2 others are typing…');
	});
});

// Issue 16: "Olivia Bennett typing a reply right now" lacked its verb.
describe('aboutNames (S9.4 collision guard)', () => {
	it('says "is" for one agent and "are" for several, in both languages', () => {
		const en = presenceStrings('en');
		expect(aboutNames(en.collisionTyping, en.collisionTypingMany, ['Olivia Bennett'])).toBe('Olivia Bennett is typing a reply right now.');
		expect(aboutNames(en.collisionTyping, en.collisionTypingMany, ['Olivia', 'Tom'])).toBe('Olivia, Tom are typing a reply right now.');
		expect(aboutNames(en.collisionDrafting, en.collisionDraftingMany, ['Olivia'])).toBe('Olivia is working on a reply draft.');
		const fr = presenceStrings('fr');
		expect(aboutNames(fr.collisionTyping, fr.collisionTypingMany, ['Olivia', 'Tom'])).toBe('Olivia, Tom écrivent une réponse en ce moment.');
	});
});
