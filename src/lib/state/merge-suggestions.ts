/**
 * SPEC S8.2 merge suggestions: other contacts with the same phone or email, found in the local
 * summaries (so it works offline and shows only contacts this user may see). Values are compared
 * in the domain's normal forms (`normalizePhone`, `normalizeEmail`), so `+33 6 12 34 56 78` and
 * `+33612345678`, or `Ann@Example.com` and `ann@example.com`, match.
 */
import { normalizeEmail, normalizePhone } from '../domain/contact-input';
import type { ContactId, ContactSummary } from '../domain/types';

export interface MergeSuggestion {
	contact: ContactSummary;
	/** Which of the contact's keys matched. */
	by: Array<'phone' | 'email'>;
}

/** At most `limit` suggestions, in name order (then id, so the order is stable). */
export function findMergeSuggestions(
	self: { id: ContactId; phone: string; email: string },
	all: Iterable<ContactSummary>,
	limit = 20
): MergeSuggestion[] {
	const phone = self.phone ? normalizePhone(self.phone) : null;
	const email = self.email ? normalizeEmail(self.email) : null;
	if (!phone && !email) return [];
	const out: MergeSuggestion[] = [];
	for (const c of all) {
		if (c.id === self.id) continue;
		const by: MergeSuggestion['by'] = [];
		if (phone && c.phone && normalizePhone(c.phone) === phone) by.push('phone');
		if (email && c.email && normalizeEmail(c.email) === email) by.push('email');
		if (by.length > 0) out.push({ contact: c, by });
	}
	const name = (c: ContactSummary) => `${c.firstName} ${c.lastName}`.trim().toLocaleLowerCase();
	out.sort((a, b) => name(a.contact).localeCompare(name(b.contact)) || (a.contact.id < b.contact.id ? -1 : a.contact.id > b.contact.id ? 1 : 0));
	return out.slice(0, limit);
}
