/**
 * The built-in rewriting rules (SPEC S6.4): what rules can do honestly, and nothing else.
 * - `spelling`: a list of common misspellings (EN, FR), missing apostrophes, a lone "i",
 *   spaces and punctuation (French spacing before ? ! : ;), capitals at sentence starts and a
 *   final period.
 * - `improve`: spelling, plus a polite opening and closing in the text's language when missing.
 * - `formal` / `friendly`: word and phrase swaps (contractions, casual words, greetings and
 *   sign-offs). Turning French "tu" into "vous" needs verb conjugation: refused with the reason.
 * - `shorter`: drops fillers and wordy phrases and repeated sentences; refused when nothing the
 *   rules know can go.
 * Custom prompts are free text for a model: the built-in provider says so instead of guessing.
 */
import type { Lang } from '../../../../src/lib/domain/ai';
import { unsupported, type AiResult } from '../provider';
import { sentences } from './summarize';

type Pairs = ReadonlyArray<readonly [RegExp, string]>;

const word = (w: string, flags = 'gi') => new RegExp(`(?<![\\p{L}'’])${w}(?![\\p{L}'’])`, `${flags}u`);

const EN_SPELLING: Record<string, string> = {
	teh: 'the', recieve: 'receive', recieved: 'received', adress: 'address', definately: 'definitely', wich: 'which', untill: 'until',
	seperate: 'separate', occured: 'occurred', thier: 'their', tommorow: 'tomorrow', tomorow: 'tomorrow', accomodate: 'accommodate', begining: 'beginning',
	beleive: 'believe', calender: 'calendar', enviroment: 'environment', goverment: 'government', independant: 'independent', neccessary: 'necessary',
	necessery: 'necessary', noticable: 'noticeable', occassion: 'occasion', prefered: 'preferred', reccomend: 'recommend', recomend: 'recommend',
	refered: 'referred', relevent: 'relevant', succesful: 'successful', truely: 'truly', wierd: 'weird', alot: 'a lot', becuase: 'because', beacuse: 'because',
	dont: "don't", cant: "can't", wont: "won't", didnt: "didn't", doesnt: "doesn't", isnt: "isn't", wasnt: "wasn't", couldnt: "couldn't",
	shouldnt: "shouldn't", wouldnt: "wouldn't", im: "I'm", ive: "I've", youre: "you're", thats: "that's", whats: "what's", pls: 'please', plz: 'please',
	thx: 'thanks', u: 'you', ur: 'your', availible: 'available', payed: 'paid', adresses: 'addresses', shipement: 'shipment', comming: 'coming',
	garantee: 'guarantee', refferal: 'referral', sucess: 'success', mesage: 'message', informations: 'information'
};

const FR_SPELLING: Record<string, string> = {
	apeller: 'appeler', biensur: 'bien sûr', malgrés: 'malgré', parceque: 'parce que', quelque_soit: 'quel que soit', ca: 'ça', sa_va: 'ça va',
	bcp: 'beaucoup', stp: "s'il te plaît", svp: "s'il vous plaît", pb: 'problème', rdv: 'rendez-vous', jsuis: 'je suis', chui: 'je suis',
	connection: 'connexion', addresse: 'adresse', dévelopement: 'développement', language: 'langage', rapellerai: 'rappellerai', rapeler: 'rappeler',
	commande_n: 'commande n°', ajourd_hui: "aujourd'hui", aujourdhui: "aujourd'hui", jai: "j'ai", cest: "c'est", nest: "n'est", quil: "qu'il",
	remerciments: 'remerciements', definitivement: 'définitivement', envoyé_hier: 'envoyé hier', payement: 'paiement', acceuil: 'accueil', recu: 'reçu', recue: 'reçue'
};

function dictionary(lang: Lang): Pairs {
	const d = lang === 'fr' ? FR_SPELLING : EN_SPELLING;
	return Object.entries(d).map(([k, v]) => [word(k.replace(/_/g, '[ ]?')), v] as const);
}

/** Keeps the case of the first letter of what it replaces. */
function keepCase(found: string, replacement: string): string {
	const first = found[0] ?? '';
	return first !== first.toLowerCase() && replacement[0] ? replacement[0].toUpperCase() + replacement.slice(1) : replacement;
}

function swap(text: string, pairs: Pairs): string {
	let t = text;
	for (const [re, to] of pairs) t = t.replace(re, (m) => keepCase(m, to));
	return t;
}

export function fixPunctuation(text: string, lang: Lang): string {
	let t = text.replace(/[ \t]+/g, ' ').replace(/ *\n */g, '\n').trim();
	t = t.replace(/([!?])\1+/g, '$1').replace(/\.{4,}/g, '…').replace(/,{2,}/g, ',');
	// No space before , and . ; one after (not inside numbers, URLs or e-mail addresses).
	t = t.replace(/\s+([,.])/g, '$1').replace(/([,])(?=[\p{L}])/gu, '$1 ').replace(/([.!?])(?=\p{Lu}\p{Ll})/gu, '$1 ');
	if (lang === 'fr') t = t.replace(/\s*([?!:;])(?=\s|$)/g, ' $1').replace(/« */g, '« ').replace(/ *»/g, ' »');
	else t = t.replace(/\s+([?!:;])/g, '$1');
	// A capital at each sentence start and line start.
	t = t.replace(/(^|[.!?]\s+|\n)(\p{Ll})/gu, (_m, a: string, b: string) => a + b.toUpperCase());
	if (lang === 'en') t = t.replace(word('i', 'g'), 'I');
	// A final period on a last line that ends with a letter or digit (not after a sign-off).
	if (/[\p{L}\p{N})]$/u.test(t) && !/\n\s*[\p{L}]+,?$/u.test(t.slice(-40)) && !/^\S+$/.test(t) && !CLOSINGS[lang].test(t)) t += '.';
	return t;
}

export function fixSpelling(text: string, lang: Lang): string {
	return fixPunctuation(swap(text, dictionary(lang)), lang);
}

const OPENINGS: Record<Lang, RegExp> = {
	en: /^(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings)\b/i,
	fr: /^(bonjour|bonsoir|salut|cher|chère|madame|monsieur|coucou)\b/i,
	es: /^(hola|buenos|buenas|estimad)/i,
	ca: /^(hola|bon dia|bona tarda|benvolgu)/i
};
const CLOSINGS: Record<Lang, RegExp> = {
	en: /(regards|sincerely|best wishes|best|cheers|thanks|thank you|have a (great|nice|good) day)[.!,]?\s*(\n.*)?$/i,
	fr: /(cordialement|bien à vous|salutations|merci|bonne (journée|soirée)|belle journée|à bientôt)[.!,]?\s*(\n.*)?$/i,
	es: /(saludos|atentamente|gracias)[.!,]?\s*(\n.*)?$/i,
	ca: /(salutacions|atentament|gràcies)[.!,]?\s*(\n.*)?$/i
};

const POLITE: Record<Lang, { formal: [string, string]; friendly: [string, string] }> = {
	en: { formal: ['Hello,', 'Kind regards,'], friendly: ['Hi there,', 'Have a great day!'] },
	fr: { formal: ['Bonjour,', 'Cordialement,'], friendly: ['Bonjour,', 'Belle journée !'] },
	es: { formal: ['Buenos días:', 'Atentamente,'], friendly: ['¡Hola!', '¡Que tengas un buen día!'] },
	ca: { formal: ['Bon dia,', 'Atentament,'], friendly: ['Hola!', 'Que tinguis un bon dia!'] }
};

function withPoliteness(text: string, lang: Lang, tone: 'formal' | 'friendly'): string {
	const [open, close] = POLITE[lang][tone];
	let t = text;
	if (!OPENINGS[lang].test(t)) t = `${open}\n\n${t}`;
	if (!CLOSINGS[lang].test(t)) t = `${t}\n\n${close}`;
	return t;
}

const EN_FORMAL: Pairs = [
	[word("don't"), 'do not'], [word("can't"), 'cannot'], [word("won't"), 'will not'], [word("isn't"), 'is not'], [word("aren't"), 'are not'],
	[word("doesn't"), 'does not'], [word("didn't"), 'did not'], [word("I'm"), 'I am'], [word("it's"), 'it is'], [word("we'll"), 'we will'],
	[word("I'll"), 'I will'], [word("you're"), 'you are'], [word("we're"), 'we are'], [word("that's"), 'that is'], [word("I've"), 'I have'],
	[word("we've"), 'we have'], [word("let's"), 'let us'], [word('hey|hi'), 'hello'], [word('thanks'), 'thank you'], [word('yeah|yep|yup'), 'yes'],
	[word('nope'), 'no'], [word('gonna'), 'going to'], [word('wanna'), 'want to'], [word('asap'), 'as soon as possible'], [word('btw'), 'by the way'],
	[word('fyi'), 'for your information'], [word('cheers'), 'kind regards'], [word('ok|okay'), 'very well'], [word('no worries'), 'you are welcome'],
	[word('awesome|cool'), 'excellent'], [word('sorry'), 'we apologize']
];
const EN_FRIENDLY: Pairs = [
	[word('do not'), "don't"], [word('cannot'), "can't"], [word('will not'), "won't"], [word('I am'), "I'm"], [word('we will'), "we'll"],
	[word('I will'), "I'll"], [word('you are'), "you're"], [word('it is'), "it's"], [word('dear'), 'hi'], [word('kind regards|best regards|sincerely|regards'), 'Best wishes'],
	[word('we apologize for'), "we're sorry about"], [word('we apologize'), "we're sorry"], [word('please be advised that'), 'just so you know,'],
	[word('at your earliest convenience'), 'when you can'], [word('hello'), 'hi']
];
const FR_FORMAL: Pairs = [
	[word('salut|coucou|hello'), 'bonjour'], [word('merci bcp|merci beaucoup'), 'merci beaucoup'], [word('ok|okay|ça marche'), "d'accord"],
	[word('svp|stp'), "s'il vous plaît"], [word('bises|bisous|a\\+|à \\+|ciao'), 'cordialement'], [word('ouais'), 'oui'], [word('super|génial'), 'parfait'],
	[word('pas de souci|pas de soucis'), 'je vous en prie'], [word('désolé'), 'nous vous prions de nous excuser'], [word('bonne journée'), 'je vous souhaite une bonne journée']
];
const FR_FRIENDLY: Pairs = [
	[word('cordialement|bien cordialement|salutations distinguées'), 'Belle journée !'], [word('nous vous prions de nous excuser'), 'désolés'],
	[word('je vous prie d\'agréer[^.]*\\.?'), 'À bientôt !'], [word('dans les meilleurs délais'), 'dès que possible']
];

const EN_FILLERS: Pairs = [
	[/\bI just wanted to (let you know|say|tell you) that\s*/gi, ''], [/\bI just wanted to\s*/gi, 'I '], [word('just|really|actually|basically|literally|simply|quite|very'), ''],
	[word('in order to'), 'to'], [word('at this point in time'), 'now'], [word('due to the fact that'), 'because'], [word('in the event that'), 'if'],
	[word('for the purpose of'), 'for'], [word('I think that|I believe that|I feel that'), ''], [/\b(please )?(do not|don't) hesitate to (contact|reach out to) (us|me)( if you have any (further )?questions)?\.?/gi, ''],
	[/\bI hope this (email|message) finds you well\.?/gi, ''], [word('as a matter of fact'), ''], [word('a large number of'), 'many'], [word('with regard to|with regards to|in regards to'), 'about']
];
const FR_FILLERS: Pairs = [
	[word('vraiment|simplement|juste|tout à fait|absolument|franchement|en fait|effectivement'), ''], [word('afin de'), 'pour'],
	[word('dans le but de'), 'pour'], [word('étant donné que|du fait que|en raison du fait que'), 'comme'], [word('à l\'heure actuelle|actuellement'), 'aujourd\'hui'],
	[/\bn'hésitez pas à (nous|me) (contacter|recontacter)( pour toute question)?\.?/gi, ''], [word('je pense que|je crois que'), ''], [word('un grand nombre de'), 'beaucoup de']
];

function shorter(text: string, lang: Lang): string {
	const fillers = lang === 'fr' ? FR_FILLERS : lang === 'en' ? EN_FILLERS : [];
	let t = swap(text, fillers);
	// Repeated sentences go, once each.
	const seen = new Set<string>();
	t = t
		.split('\n')
		.map((line) =>
			sentences(line)
				.filter((s) => {
					const k = s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
					if (!k) return true;
					if (seen.has(k)) return false;
					seen.add(k);
					return true;
				})
				.join(' ')
		)
		.join('\n');
	return fixPunctuation(t.replace(/\s+([,.])/g, '$1').replace(/ {2,}/g, ' '), lang).replace(/\n{3,}/g, '\n\n');
}

export type BuiltinRewrite = 'improve' | 'shorter' | 'formal' | 'friendly' | 'spelling';

export function rewriteWithRules(text: string, id: BuiltinRewrite, lang: Lang): AiResult<string> {
	const input = text.trim();
	switch (id) {
		case 'spelling':
			return { ok: true, value: fixSpelling(input, lang) };
		case 'improve':
			return { ok: true, value: withPoliteness(fixSpelling(input, lang), lang, 'formal') };
		case 'formal': {
			if (lang === 'fr' && /(?<![\p{L}'])(tu|toi|ton|ta|tes|t')(?![\p{L}])/iu.test(input)) {
				return unsupported('Passing from "tu" to "vous" needs the verbs conjugated again, which the built-in rules cannot do; configure a language model for this prompt.');
			}
			const pairs = lang === 'en' ? EN_FORMAL : lang === 'fr' ? FR_FORMAL : [];
			return { ok: true, value: withPoliteness(fixSpelling(swap(input, pairs), lang), lang, 'formal') };
		}
		case 'friendly': {
			const pairs = lang === 'en' ? EN_FRIENDLY : lang === 'fr' ? FR_FRIENDLY : [];
			return { ok: true, value: withPoliteness(fixSpelling(swap(input, pairs), lang), lang, 'friendly') };
		}
		case 'shorter': {
			const out = shorter(input, lang);
			if (out.length >= fixPunctuation(input, lang).length) return unsupported('The rules found no filler or repetition to remove; making this text shorter needs a language model.');
			return { ok: true, value: out };
		}
	}
}

/** S5.3 without a model: a reply skeleton in the contact's language that names what they asked. */
export function replySkeleton(lastContactText: string | null, name: string | undefined, lang: Lang): string {
	const n = name ? ` ${name}` : '';
	const question = lastContactText ? sentences(lastContactText).filter((s) => /\?\s*$/.test(s)).at(-1) : undefined;
	if (lang === 'fr') {
		const about = question ? `\n\nConcernant votre question « ${question.replace(/\s*\?\s*$/, '')} » : ` : '\n\n';
		return `Bonjour${n},\n\nMerci pour votre message.${about}\n\nCordialement,`;
	}
	if (lang === 'es') return `Hola${n}:\n\nGracias por su mensaje.\n\n\n\nAtentamente,`;
	if (lang === 'ca') return `Hola${n},\n\nGràcies pel vostre missatge.\n\n\n\nAtentament,`;
	const about = question ? `\n\nAbout your question "${question.replace(/\s*\?\s*$/, '')}": ` : '\n\n';
	return `Hello${n},\n\nThank you for your message.${about}\n\nKind regards,`;
}
