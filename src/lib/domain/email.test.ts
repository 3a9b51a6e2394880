// SPEC S5.12: subjects, threading headers, address lists, quoted history, composed HTML.
import { describe, expect, it } from 'vitest';
import { emailHtmlToText, isEmailHtml, textToEmailHtml } from './email-format';
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

	// SPEC S5.12: the plain-text alternative of the rich editor's HTML.
	it('derives the text alternative from composed HTML', () => {
		expect(emailHtmlToText('<p>Hi <strong>there</strong> and <em>you</em> &lt;script&gt;</p><ul><li>one</li><li>two</li></ul><blockquote><p>quoted</p></blockquote><p><a href="https://x.test/a">site</a></p>')).toBe(
			'Hi there and you <script>\n\n- one\n- two\n\n> quoted\n\nsite <https://x.test/a>'
		);
		expect(emailHtmlToText('<div>a</div><div>b<br>c</div><ol><li>x</li><li>y</li></ol>')).toBe('a\nb\nc\n\n1. x\n2. y');
		expect(emailHtmlToText('<p>x</p><script>alert(1)</script><style>p{}</style>')).toBe('x');
		expect(emailHtmlToText('<p><a href="https://x.test">https://x.test</a> &amp; &#233;</p>')).toBe('https://x.test & é');
		expect(emailHtmlToText(`<p>Bye</p>${textToEmailHtml('-- \nAna\nSupport')}`)).toBe('Bye\n\n-- \nAna\nSupport');
	});

	it('turns plain text into escaped paragraphs and recognises the editor HTML', () => {
		expect(textToEmailHtml('Hi <b>\nthere\n\nBye')).toBe('<p>Hi &lt;b&gt;<br>there</p><p>Bye</p>');
		expect(isEmailHtml('<p>x</p>')).toBe(true);
		expect(isEmailHtml('<3 thanks')).toBe(false);
		expect(isEmailHtml('plain')).toBe(false);
	});

	it('offers an email channel to reach a contact with an email address (S5.10)', () => {
		const mail = { id: 'ch-mail', kind: 'email', name: 'Email', windowHours: null, supportsReplies: true, email: { addresses: ['a@x.test'] } } as Channel;
		expect(channelsToReach([mail], new Set(), { email: '' })).toEqual([]);
		expect(channelsToReach([mail], new Set(), { email: 'c@y.test' })).toEqual([mail]);
		expect(channelsToReach([mail], new Set(['ch-mail']), null)).toEqual([mail]);
	});
});
