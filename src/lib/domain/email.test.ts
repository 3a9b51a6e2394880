// SPEC S5.12: subjects, threading headers, address lists, quoted history, composed HTML.
import { describe, expect, it } from 'vitest';
import { applyMark, emailHtml, emailPlainText } from './email-format';
import { baseSubject, parseAddressList, replyHeaders, replySubject, splitQuoted } from './email';
import { channelsToReach } from './outbound';
import type { Channel } from './types';

describe('email rules', () => {
	it('compares subjects without reply prefixes', () => {
		expect(baseSubject('Re: RE: Fwd:  Order  42')).toBe('order 42');
		expect(replySubject('Order 42')).toBe('Re: Order 42');
		expect(replySubject('re: Order 42')).toBe('re: Order 42');
	});

	it('threads a reply with the same subject and starts a new email when the subject changes', () => {
		const answered = { subject: 'Order 42', to: [], messageId: '<b@x>', references: ['<a@x>'] };
		expect(replyHeaders(answered, 'Re: Order 42')).toEqual({ inReplyTo: '<b@x>', references: ['<a@x>', '<b@x>'] });
		expect(replyHeaders(answered, '')).toEqual({ inReplyTo: '<b@x>', references: ['<a@x>', '<b@x>'] });
		expect(replyHeaders(answered, 'Something else')).toEqual({});
		expect(replyHeaders(undefined, 'x')).toEqual({});
	});

	it('parses address lists and reports what is not an address', () => {
		expect(parseAddressList('a@x.test, B@X.test; <c@y.test> nope a@x.test')).toEqual({ valid: ['a@x.test', 'b@x.test', 'c@y.test'], invalid: ['nope'] });
	});

	it('splits the quoted history off a reply', () => {
		expect(splitQuoted('Thanks!\n\nOn Mon, Ana wrote:\n> hello')).toEqual({ fresh: 'Thanks!', quoted: 'On Mon, Ana wrote:\n> hello' });
		expect(splitQuoted('just text')).toEqual({ fresh: 'just text', quoted: '' });
	});

	it('makes HTML from the composer marks and escapes everything else', () => {
		expect(emailHtml('Hi **there** and *you* <script>\n- one\n- two\n> quoted\n[site](https://x.test/a)')).toBe(
			'<p>Hi <strong>there</strong> and <em>you</em> &lt;script&gt;</p><ul><li>one</li><li>two</li></ul><blockquote><p>quoted</p></blockquote><p><a href="https://x.test/a">site</a></p>'
		);
		expect(emailHtml('[x](javascript:alert(1))')).toBe('<p>[x](javascript:alert(1))</p>');
		expect(emailPlainText('Hi **there** [site](https://x.test)')).toBe('Hi there site <https://x.test>');
	});

	it('applies toolbar marks to the selection', () => {
		expect(applyMark('say hello', 4, 9, 'bold')).toEqual({ text: 'say **hello**', start: 6, end: 11 });
		expect(applyMark('a\nb', 0, 3, 'list').text).toBe('- a\n- b');
		expect(applyMark('a', 1, 1, 'quote').text).toBe('> a');
	});

	it('offers an email channel to reach a contact with an email address (S5.10)', () => {
		const mail = { id: 'ch-mail', kind: 'email', name: 'Email', windowHours: null, supportsReplies: true, email: { addresses: ['a@x.test'] } } as Channel;
		expect(channelsToReach([mail], new Set(), { email: '' })).toEqual([]);
		expect(channelsToReach([mail], new Set(), { email: 'c@y.test' })).toEqual([mail]);
		expect(channelsToReach([mail], new Set(['ch-mail']), null)).toEqual([mail]);
	});
});
