// SPEC S4.6: unread count badge of a row.
import { describe, expect, it } from 'vitest';
import { asUserId } from './ids';
import { readMark, unreadCount } from './unread';
import { contact } from './test-fixtures';

const me = asUserId('me');

describe('unreadCount', () => {
	it('counts incoming messages strictly after the read mark', () => {
		const c = contact('c', { recentIncomingAt: [100, 200, 200, 300], reads: { me: 200 } });
		expect(unreadCount(c, me)).toBe(1);
		expect(unreadCount({ ...c, reads: { me: 199 } }, me)).toBe(3);
		expect(unreadCount({ ...c, reads: { me: 300 } }, me)).toBe(0);
		expect(unreadCount({ ...c, reads: { me: 0 } }, me)).toBe(4);
	});

	it('without a read mark everything is unread', () => {
		const c = contact('c', { recentIncomingAt: [1, 2, 3], reads: { other: 10 } });
		expect(unreadCount(c, me)).toBe(3);
		expect(unreadCount(contact('c'), me)).toBe(0);
	});

	it('ignores inherited members and non-numbers as marks', () => {
		const c = contact('c', { recentIncomingAt: [1, 2] });
		expect(unreadCount(c, asUserId('constructor'))).toBe(2);
		expect(unreadCount(c, asUserId('__proto__'))).toBe(2);
		expect(readMark({ reads: { me: Number.NaN } }, me)).toBeNull();
		expect(readMark({ reads: { me: '5' as unknown as number } }, me)).toBeNull();
		expect(readMark({ reads: { me: 5 } }, me)).toBe(5);
	});
});
