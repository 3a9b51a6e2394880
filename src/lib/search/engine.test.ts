// Table tests: every example of SPEC S3 and of the seed article's "Recherche" section, run
// against the engine and the naive reference alike.
import { describe, expect, it } from 'vitest';
import type { ChannelId, ContactId, CustomFieldDef, Entry, EntryId, MessageBodyType } from '../domain/types';
import { SearchEngine } from './engine';
import type { SearchableContact } from './indexable';
import { ReferenceSearch } from './reference';

const FIELDS: CustomFieldDef[] = [
	{ key: 'company', label: 'Company', type: 'text' },
	{ key: 'seats', label: 'Seats', type: 'number' },
	{ key: 'plan', label: 'Plan', type: 'select' },
	{ key: 'vip', label: 'VIP', type: 'checkbox' },
	{ key: 'birthday', label: 'Birthday', type: 'date' },
	{ key: 'callAt', label: 'Call at', type: 'time' }
];

const cid = (s: string) => s as ContactId;

function contact(id: string, firstName: string, lastName = '', extra: Partial<SearchableContact> = {}): SearchableContact {
	return { id: cid(id), firstName, lastName, phone: '', email: '', ...extra };
}

const CONTACTS: SearchableContact[] = [
	contact('carlos', 'Carlos', 'Mendez', { email: 'carlos.mendez@gmail.com', phone: '+33 6 12 34 56 78' }),
	contact('carter', 'Carter', 'Smith', { phone: '016-555-1234' }),
	contact('scarlet', 'Scarlet', 'Johansson'),
	contact('oscar', 'Oscar', 'Wilde'),
	contact('samantha', 'Samantha', 'Jones', { email: 'sam@yahoo.fr' }),
	contact('samantha-lower', 'samantha', 'lower'),
	contact('elodie', 'Élodie', 'Lefèvre', {
		custom: { company: 'Café Lumière', seats: 42, plan: 'Gold', vip: true, birthday: '1990-05-04', callAt: '10:30' }
	}),
	// Fields S3.4 says are never searched ride along as a real profile would carry them.
	{ ...contact('anna', 'Anna', 'Berg'), country: 'France', language: 'Deutsch', tags: ['vip'], status: 'open', assigneeId: 'u1' } as SearchableContact
];

let n = 0;
function msg(text: string, at: number, extra: { type?: MessageBodyType; broadcast?: boolean } = {}): Entry {
	return {
		id: `m${++n}` as EntryId,
		kind: 'message',
		at,
		direction: 'in',
		channelId: 'ch' as ChannelId,
		author: { type: 'contact', id: 'x' },
		body: { type: extra.type ?? 'text', text },
		...(extra.broadcast ? { broadcast: true } : {})
	};
}
function comment(text: string, at: number): Entry {
	return { id: `k${++n}` as EntryId, kind: 'comment', at, text, mentions: [], author: { type: 'user', id: 'u1' } };
}

const THREADS: Record<string, Entry[]> = {
	carlos: [
		msg('Le renard brun rapide saute par-dessus le chien', 100),
		msg('Un renard, puis un brun très rapide', 110),
		msg('Votre numéro commence par 016, merci', 120),
		msg('Votre numéro commence par 014 !', 130),
		msg('Mon résumé est prêt', 140),
		msg('écrivez à ana@gmail.com ou bob@gmail.com', 150),
		msg('copie à zoe@yahoo.fr', 160)
	],
	carter: [
		msg('Promo renard pour tous', 200, { broadcast: true }),
		msg('Bravo 😀😀😀 !', 210, { type: 'template' }),
		msg('renard choisi', 220, { type: 'quick_reply' }),
		msg('Belle story, renard', 230, { type: 'story_reply' }),
		msg('photo du renard', 240, { type: 'image' }),
		comment('Note interne: le client aime le renard', 250),
		{ id: 'ev1' as EntryId, kind: 'event', at: 260, type: 'closed', source: 'user', data: { text: 'renard' }, author: { type: 'user', id: 'u1' } },
		msg('SAMANTHA a appelé; resume envoyé', 270)
	]
};

function build() {
	const engine = new SearchEngine({ customFields: FIELDS });
	const ref = new ReferenceSearch(FIELDS);
	for (const c of CONTACTS) {
		engine.upsertContact(c);
		ref.upsertContact(c);
	}
	for (const [id, entries] of Object.entries(THREADS)) {
		engine.addEntries(cid(id), entries);
		ref.addEntries(cid(id), entries);
	}
	return { engine, ref };
}

const textOf = (id: string): string => {
	for (const entries of Object.values(THREADS)) {
		for (const e of entries) if (e.id === id) return e.kind === 'message' ? (e.body.text ?? '') : e.kind === 'comment' ? e.text : '';
	}
	return '';
};

describe('contact search', () => {
	const { engine, ref } = build();
	const cases: Array<[query: string, expected: string[], note: string]> = [
		['car', ['carlos', 'carter'], 'SPEC S3.2: word prefix, not Scarlet or Oscar'],
		['CAR', ['carlos', 'carter'], 'SPEC S3.7 case-insensitive'],
		['carl', ['carlos'], 'SPEC S3.2'],
		['sam', ['samantha', 'samantha-lower'], 'SPEC S3.7: sam finds Samantha (and her sam@ email)'],
		['SAM', ['samantha', 'samantha-lower'], 'SPEC S3.7'],
		['SAma', ['samantha', 'samantha-lower'], 'SPEC S3.7'],
		['SAMANTHA', ['samantha', 'samantha-lower'], 'SPEC S3.7: SAMANTHA finds samantha'],
		['mendez', ['carlos'], 'SPEC S3.2 last name'],
		['Carlos Men', ['carlos'], 'SPEC S3.2 every word a prefix'],
		['elodie', ['elodie'], 'accents folded'],
		['LEFÈVRE', ['elodie'], 'accents folded'],
		['+33 6 12 34', ['carlos'], 'SPEC S3.2 phone, spaces and + ignored'],
		['33612', ['carlos'], 'SPEC S3.2 phone digits'],
		['016-555', ['carter'], 'SPEC S3.2 phone, dashes ignored'],
		['0165551234', ['carter'], 'SPEC S3.2 phone, whole number'],
		['carlos.mendez@gmail.com', ['carlos'], 'SPEC S3.2 email'],
		['carlos.men', ['carlos'], 'SPEC S3.2 email prefix'],
		['@gmail', ['carlos'], 'SPEC S3.2 email domain'],
		['yahoo', ['samantha'], 'SPEC S3.2 email word'],
		['café lumière', ['elodie'], 'SPEC S3.3 strict custom field, case-insensitive'],
		['CAFE LUMIERE', ['elodie'], 'SPEC S3.3'],
		['café', [], 'SPEC S3.3 custom fields match only exactly'],
		['42', ['elodie'], 'number custom field: exact (decision in indexable.ts)'],
		['gold', ['elodie'], 'SPEC S3.3 select field'],
		['true', [], 'SPEC S3.3/S3.4 checkbox never searched'],
		['1990-05-04', [], 'SPEC S3.4 date never searched'],
		['10:30', [], 'SPEC S3.4 time never searched'],
		['France', [], 'SPEC S3.4 country never searched'],
		['deutsch', [], 'SPEC S3.4 language never searched'],
		['vip', [], 'SPEC S3.4 tags never searched'],
		['open', [], 'SPEC S3.4 status never searched'],
		['', [], 'empty query finds nothing']
	];
	for (const [query, expected, note] of cases) {
		it(`${JSON.stringify(query)}: ${note}`, () => {
			const want = expected;
			expect(engine.searchContacts(query, 100).map((h) => h.contactId).sort()).toEqual([...want].sort());
			expect(ref.searchContacts(query).sort()).toEqual([...want].sort());
		});
	}
});

describe('message and comment search', () => {
	const { engine, ref } = build();
	const cases: Array<[query: string, expected: string[], note: string]> = [
		['renard', ['m1', 'm2', 'm10', 'm11', 'k13'], 'SPEC S3.5 basic; templates, quick/story replies, comments found; broadcast, image, event not'],
		['RENARD', ['m1', 'm2', 'm10', 'm11', 'k13'], 'SPEC S3.7 case-insensitive'],
		['brun rapide', ['m1'], 'SPEC S3.5 exact phrase (seed: « brun rapide »)'],
		['rapide brun', [], 'SPEC S3.5 phrase order matters'],
		['par-dessus le', ['m1'], 'phrase across punctuation'],
		['016 014', ['m3', 'm4'], 'SPEC S3.5 several numbers: any of them'],
		['016', ['m3'], 'SPEC S3.5 one number: exact'],
		['😀😀😀', ['m9'], 'SPEC S3.5 3 emojis start a search'],
		['😀😀', [], 'SPEC S3.5 2 emojis are too short'],
		['ab', [], 'SPEC S3.5 starts at 3 characters'],
		['ana@gmail.com', ['m6'], 'SPEC S3.5 email exact'],
		['ana@gm', ['m6'], 'SPEC S3.5 email partial'],
		['@gmail', ['m6'], 'SPEC S3.5 email domain (seed: “@gmail”)'],
		['bob@gmail.com', ['m6'], 'SPEC S3.5 email exact'],
		['@yahoo.fr', ['m7'], 'SPEC S3.5 email domain'],
		['gmail', ['m6'], 'words of an address are words'],
		['resume', ['m5', 'm14'], 'accents folded: resume finds résumé'],
		['RÉSUMÉ', ['m5', 'm14'], 'accents folded both ways'],
		['samantha', ['m14'], 'SPEC S3.7 SAMANTHA found by samantha'],
		['promo', [], 'SPEC S3.5 broadcast never found'],
		['photo', [], 'image captions are not text messages'],
		['interne', ['k13'], 'SPEC S3.5 comments are searched']
	];
	for (const [query, expected, note] of cases) {
		it(`${JSON.stringify(query)}: ${note}`, () => {
			const got = engine.searchMessages(query, 100).hits;
			expect(got.map((h) => h.entryId).sort()).toEqual([...expected].sort());
			expect(ref.searchMessages(query).map((r) => r.id).sort()).toEqual([...expected].sort());
			// SPEC S3.5: most recent first.
			expect(got.map((h) => h.at)).toEqual([...got.map((h) => h.at)].sort((a, b) => b - a));
		});
	}

	it('highlights the matched words in the snippet', () => {
		const [hit] = engine.searchMessages('brun rapide').hits;
		const s = hit!.snippet;
		expect(s.highlights.map(([a, b]) => s.text.slice(a, b))).toEqual(['brun rapide']);
		const [r] = engine.searchMessages('resume').hits.filter((h) => h.entryId === 'm5');
		expect(r!.snippet.highlights.map(([a, b]) => r!.snippet.text.slice(a, b))).toEqual(['résumé']);
	});

	it('limits results newest first and says when it cut', () => {
		const res = engine.searchMessages('renard', 2);
		expect(res.hits.map((h) => h.entryId)).toEqual(['k13', 'm11']);
		expect(res.truncated).toBe(true);
		expect(engine.searchMessages('ab').skipped).toBe('too-short');
	});

	it('SPEC S3.6: in-thread hits come in thread order', () => {
		expect(engine.searchThread(cid('carlos'), 'renard').map((h) => h.entryId)).toEqual(['m1', 'm2']);
		expect(engine.searchThread(cid('carter'), 'renard').map((h) => textOf(h.entryId))).toEqual([
			'renard choisi',
			'Belle story, renard',
			'Note interne: le client aime le renard'
		]);
		expect(engine.searchThread(cid('oscar'), 'renard')).toEqual([]);
	});

	it('a revoked contact leaves no trace', () => {
		const { engine: e } = build();
		e.removeContact(cid('carlos'));
		expect(e.searchContacts('carlos')).toEqual([]);
		expect(e.searchMessages('brun rapide').hits).toEqual([]);
		expect(e.searchMessages('@gmail').hits).toEqual([]);
		expect(e.searchMessages('renard', 100).hits.map((h) => h.contactId)).not.toContain('carlos');
	});
});
