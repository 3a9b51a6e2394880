/**
 * The email part of the composer (SPEC S5.12), shown only on email channels: subject, the To
 * shown (the contact's address), CC and BCC with address validation, the agent's signature, and
 * the email a reply answers: the one picked with Reply in the message menu, else the latest email
 * of the thread on that channel. The subject is required for a new email and optional on a
 * reply (it defaults to "Re: <subject>"); a different subject starts a new email (no threading
 * headers). The signature is the agent's own, kept on the server (the same on every device):
 * it is added under the text of each new email and reply, and can be changed for one email
 * (`messageSignature`) without changing the default.
 */
import { baseSubject, emailsOf, MAX_RECIPIENTS, parseAddressList, replyHeaders, replySubject } from '../../domain/email';
import { emailHtmlToText, isEmailHtml, textToEmailHtml } from '../../domain/email-format';
import { sanitizeComposed } from './rich-editor';
import type { Channel, EmailMeta, Entry, EntryId } from '../../domain/types';

export interface EmailDraftInputs {
	entries: readonly Entry[];
	quoted: Entry | undefined;
	channel: Channel | undefined;
	contactEmail: string;
	/** The user's saved signature (empty: none, or not read yet). */
	signature: string;
	/** Asks for the user's signature (read from the server). */
	loadSignature?: () => void;
}

export type EmailProblem = { key: 'email.subjectRequired' | 'email.noAddress' } | { key: 'email.invalidAddresses'; list: string };

export class EmailDraft {
	subject = $state('');
	cc = $state('');
	bcc = $state('');
	showCopies = $state(false);
	/** This email's signature when the agent changed it (null: the saved one). */
	messageSignature = $state<string | null>(null);
	readonly #read: () => EmailDraftInputs;

	constructor(inputs: () => EmailDraftInputs) {
		this.#read = inputs;
	}

	private inputs(): EmailDraftInputs {
		return this.#read();
	}

	readonly active = $derived(this.inputs().channel?.kind === 'email');

	/** The email this one answers, if any. */
	readonly answered = $derived.by((): (EmailMeta & { entryId: EntryId }) | undefined => {
		const { quoted, entries, channel } = this.inputs();
		if (!channel) return undefined;
		if (quoted?.kind === 'message' && quoted.body.email) return { ...quoted.body.email, entryId: quoted.id };
		const last = emailsOf(entries, channel.id).at(-1);
		return last ? { ...last.body.email, entryId: last.id } : undefined;
	});

	readonly defaultSubject = $derived(this.answered ? replySubject(this.answered.subject) : '');
	readonly effectiveSubject = $derived(this.subject.trim() || this.defaultSubject);
	/** A reply whose subject was changed: it goes out as a new email. */
	readonly newThread = $derived(!this.answered || (this.subject.trim() !== '' && baseSubject(this.subject) !== baseSubject(this.answered.subject)));
	readonly to = $derived(this.inputs().contactEmail.trim().toLowerCase());
	readonly #cc = $derived(parseAddressList(this.cc));
	readonly #bcc = $derived(parseAddressList(this.bcc));

	readonly problem = $derived.by((): EmailProblem | null => {
		if (!this.to) return { key: 'email.noAddress' };
		const invalid = [...this.#cc.invalid, ...this.#bcc.invalid];
		if (invalid.length) return { key: 'email.invalidAddresses', list: invalid.join(', ') };
		return null;
	});

	/** The signature this email goes out with. */
	readonly signature = $derived(this.messageSignature ?? this.inputs().signature);

	/** Reads the user's signature (the composer shows it once an email channel is chosen). */
	loadSignature(): void {
		this.inputs().loadSignature?.();
	}

	/**
	 * What the message carries: its HTML (the editor's, sanitized, with the signature) and the
	 * text alternative derived from it, its email envelope; or what stops it. `value` is the
	 * editor's HTML (plain text is taken as paragraphs).
	 */
	build(value: string, id: EntryId): { ok: true; text: string; email: EmailMeta } | { ok: false; problem: EmailProblem } {
		if (this.problem) return { ok: false, problem: this.problem };
		const subject = this.effectiveSubject;
		if (!subject) return { ok: false, problem: { key: 'email.subjectRequired' } };
		const sig = this.signature.trim();
		const html = sanitizeComposed(isEmailHtml(value) ? value : textToEmailHtml(value)) + (sig ? textToEmailHtml(`-- \n${sig}`) : '');
		const domain = this.inputs().channel?.email?.addresses[0]?.split('@')[1] ?? 'parley.invalid';
		const cc = this.#cc.valid.filter((a) => a !== this.to);
		const bcc = this.#bcc.valid.filter((a) => a !== this.to && !cc.includes(a));
		const email: EmailMeta = {
			subject,
			to: [this.to],
			...(cc.length ? { cc: cc.slice(0, MAX_RECIPIENTS) } : {}),
			...(bcc.length ? { bcc: bcc.slice(0, MAX_RECIPIENTS) } : {}),
			html,
			messageId: `<${id}@${domain}>`,
			...(this.newThread ? {} : replyHeaders(this.answered, subject))
		};
		return { ok: true, text: emailHtmlToText(html), email };
	}

	/** After a send: the next email starts from the thread again. */
	clear(): void {
		this.subject = '';
		this.cc = '';
		this.bcc = '';
		this.showCopies = false;
		this.messageSignature = null;
	}
}
