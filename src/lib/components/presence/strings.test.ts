// The typing indicator's sentence for one, two and many typists (SPEC S5.8).
import { describe, expect, it } from 'vitest';
import { presenceStrings, typingLine } from './strings';

describe('typingLine', () => {
	const s = presenceStrings('en');
	it('names one, two, or the first and a count', () => {
		expect(typingLine(s, [])).toBe('');
		expect(typingLine(s, ['Ana'])).toBe('Ana is typing…');
		expect(typingLine(s, ['Ana', 'Bo'])).toBe('Ana and Bo are typing…');
		expect(typingLine(s, ['Ana', 'Bo', 'Cy'])).toBe('Ana and 2 others are typing…');
	});
});
