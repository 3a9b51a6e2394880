/**
 * Seeded synthetic workspaces for search tests: small, but dense in what S3 cares about (French
 * accents, emoji, emails and domains, numbers, phones, broadcasts, events, templates, custom
 * fields), so random queries hit edge cases often. The demo generator (src/lib/demo/) gives
 * realistic volume; this one gives adversarial variety.
 */
import type { ChannelId, ContactId, CustomFieldDef, Entry, EntryId, MessageBodyType } from '../domain/types';
import { createPrng, type Prng } from '../demo/prng';
import type { SearchableContact } from './indexable';

export const FIXTURE_FIELDS: CustomFieldDef[] = [
	{ key: 'company', label: 'Company', type: 'text' },
	{ key: 'plan', label: 'Plan', type: 'select' },
	{ key: 'seats', label: 'Seats', type: 'number' },
	{ key: 'vip', label: 'VIP', type: 'checkbox' },
	{ key: 'birthday', label: 'Birthday', type: 'date' },
	{ key: 'callAt', label: 'Call at', type: 'time' },
	{ key: 'site', label: 'Site', type: 'url' }
];

const FIRST = ['Carlos', 'Carter', 'Scarlet', 'Oscar', 'Samantha', 'Sam', 'Élodie', 'José', 'Zoë', 'Jean-Pierre', 'Anaïs', 'Chloé', 'Mohamed', 'Ana', 'Bob'];
const LAST = ['Mendez', 'Dupont', 'Müller', "O'Neil", 'García', 'Nguyen', 'Lefèvre', 'Carrington', 'Smith', 'Åberg'];
const DOMAINS = ['gmail.com', 'yahoo.fr', 'mail.example.co.uk', 'orange.fr', 'gmx.de'];
const WORDS = [
	'le', 'la', 'de', 'renard', 'brun', 'rapide', 'saute', 'chien', 'paresseux', 'résumé', 'resume', 'été', 'ete',
	'commande', 'livraison', 'numéro', 'commence', 'par', 'votre', 'merci', 'bonjour', 'facture', 'œuvre', 'cœur',
	'the', 'quick', 'brown', 'fox', 'order', 'refund', 'hello', 'thanks', 'Straße', 'naïve', 'café', 'CAFÉ', 'Élan'
];
const EMOJI = ['😀', '👍', '👍🏽', '❤️', '🇫🇷', '🎉', '👨‍👩‍👧', '1️⃣'];
const NUMBERS = ['016', '014', '42', '2024', '0612345678', '3.14', '99'];
const BODY_TYPES: MessageBodyType[] = ['text', 'text', 'text', 'template', 'quick_reply', 'story_reply', 'email', 'image'];

export interface FixtureContact {
	contact: SearchableContact;
	entries: Entry[];
}

function email(p: Prng, first: string, last: string): string {
	const local = p.pick([first, `${first}.${last}`, `${first}_${p.int(1, 99)}`, `${last}+shop`]);
	return `${local.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^A-Za-z0-9._+-]/g, '').toLowerCase() || 'x'}@${p.pick(DOMAINS)}`;
}

function phone(p: Prng): string {
	return p.pick([`+33 6 ${p.int(10, 99)} ${p.int(10, 99)} ${p.int(10, 99)} ${p.int(10, 99)}`, `016-${p.int(100, 999)}-${p.int(1000, 9999)}`, `0${p.int(100000000, 999999999)}`, '']);
}

function sentence(p: Prng, emails: string[]): string {
	const n = p.int(1, 14);
	const parts: string[] = [];
	for (let i = 0; i < n; i++) {
		const r = p.next();
		if (r < 0.65) parts.push(p.pick(WORDS));
		else if (r < 0.78) parts.push(p.pick(NUMBERS));
		else if (r < 0.88) parts.push(p.bool(0.5) ? p.pick(EMOJI) : p.pick(EMOJI) + p.pick(EMOJI) + p.pick(EMOJI));
		else if (r < 0.95) parts.push(p.pick(emails));
		else parts.push(p.pick(['!', ',', '...', "l'été", 'c’est', '(ok)', '-']));
	}
	return parts.join(p.bool(0.9) ? ' ' : '');
}

/** `contacts` contacts with 0..`maxEntries` entries each, deterministic in `seed`. */
export function fixtureWorkspace(seed: number, contacts: number, maxEntries = 12): FixtureContact[] {
	const p = createPrng(seed);
	const out: FixtureContact[] = [];
	const emails: string[] = ['ana@gmail.com', 'x@yahoo.fr'];
	let clock = 1_700_000_000_000;
	for (let i = 0; i < contacts; i++) {
		const first = p.pick(FIRST);
		const last = p.pick(LAST);
		const mail = p.bool(0.8) ? email(p, first, last) : '';
		if (mail) emails.push(mail);
		const id = `c${i}` as ContactId;
		const contact: SearchableContact = {
			id,
			firstName: p.bool(0.1) ? first.toUpperCase() : first,
			lastName: last,
			phone: phone(p),
			email: mail,
			custom: {
				company: p.pick(['Acme Corp', 'Café Lumière', 'acme', null]),
				plan: p.pick(['Gold', 'silver', 'Platine']),
				seats: p.pick([5, 42, 3.5, null]),
				vip: p.bool(),
				birthday: '1990-05-04',
				callAt: '10:30',
				site: p.pick(['https://acme.example', ''])
			}
		};
		const entries: Entry[] = [];
		const n = p.int(0, maxEntries);
		for (let j = 0; j < n; j++) {
			clock += p.int(0, 3) * 1000; // equal times happen: order must still be total
			const base = { id: `${id}-e${j}` as EntryId, at: clock };
			const r = p.next();
			if (r < 0.7) {
				entries.push({
					...base,
					kind: 'message',
					direction: p.bool() ? 'in' : 'out',
					channelId: 'ch1' as ChannelId,
					author: { type: 'contact', id },
					body: { type: p.pick(BODY_TYPES), text: sentence(p, emails) },
					...(p.bool(0.1) ? { broadcast: true } : {})
				});
			} else if (r < 0.9) {
				entries.push({ ...base, kind: 'comment', text: sentence(p, emails), mentions: [], author: { type: 'user', id: 'u1' } });
			} else {
				entries.push({ ...base, kind: 'event', type: 'closed', source: 'user', data: { note: sentence(p, emails) }, author: { type: 'user', id: 'u1' } });
			}
		}
		out.push({ contact, entries });
	}
	return out;
}
