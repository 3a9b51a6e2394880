/**
 * The built-in extractive summarizer (SPEC S6.3, S2.4): no model, it picks what was said.
 *
 * Each message is cut into sentences; a sentence scores by the conversation's content words it
 * carries (frequency over the whole conversation, stop words of EN and FR left out, normalized
 * by length), plus what a summary must not lose: figures (order numbers, amounts, dates, times),
 * e-mail addresses, the contact's opening request, questions and words of trouble or money. The
 * best sentences are quoted in thread order as bullets under a length bound. Action items are
 * the sentences in an imperative or future form ("I will send", "please confirm", "je vais",
 * "merci de", "nous enverrons"), quoted with who said them.
 */
import type { CallSummary, ConversationLine, Lang, SummaryResult } from '../../../../src/lib/domain/ai';

export const MAX_BULLETS = 6;
export const MAX_QUOTE = 220;
export const MAX_ACTIONS = 4;

/** Polite waiting and closing lines: never an action, never worth a bullet. */
const SMALL_TALK = /\b(one moment|just a moment|un instant|un moment|anything else|autre chose|your patience|votre patience|take your time|prenez votre temps|nice day|bonne journée|reaching out|nous avoir contactés|no worries|pas de souci|aucun problème)\b/i;

const STOP = new Set(
	(
		'a an the and or but if of to in on at by for with from as is are was were be been being am do does did have has had i you he she it we they me him her us them my your his its our their this that these those there here what which who whom when where why how not no yes so than too very can could will would shall should may might must just also about into over then hi hello thanks thank please ok okay dear regards ' +
		"le la les un une des du de d l et ou mais si à au aux en dans sur par pour avec sans ce cet cette ces il elle ils elles je tu nous vous on me te se moi toi lui leur leurs mon ma mes ton ta tes son sa ses notre nos votre vos est sont était être avoir ai as avons avez ont a qui que quoi dont où ne pas plus très bien merci bonjour bonsoir cordialement oui non ça cela c qu n j s m y"
	).split(' ')
);

const TROUBLE = /\b(problem|issue|broken|damaged|refund|cancel|late|delay|missing|wrong|error|urgent|complain|invoice|payment|charge|price|deadline|probl[eè]me|cass[ée]|endommag|rembours|annul|retard|manqu|erreur|urgent|facture|paiement|prix|livraison|delivery|order|commande|contrat|contract|address|adresse)\w*/i;
const FIGURE = /(\d|@|\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|demain|aujourd'hui)\b)/i;

/** Sentences of a text: cut after . ! ? … and at line breaks; trimmed, non-empty. */
export function sentences(text: string): string[] {
	const out: string[] = [];
	for (const line of text.split(/\n+/)) {
		// Keep "3.5", "e.g." and "M." inside a sentence: cut only before a space and a capital, digit or quote.
		for (const s of line.split(/(?<=[.!?…])\s+(?=[\p{Lu}\d"«“¿¡])/u)) {
			const t = s.trim();
			if (t) out.push(t);
		}
	}
	return out;
}

export function words(text: string): string[] {
	return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 1 && !STOP.has(w));
}

const ACTION_PATTERNS: RegExp[] = [
	// EN future and commitments
	/\b(i|we|i'll|we'll)\s*('ll|will|shall|am going to|are going to|'m going to|'re going to|need to|have to|must)\b/i,
	/\b(i'll|we'll|i will|we will|let me|let us|let's)\b/i,
	// EN requests and imperatives
	/\b(please|could you|can you|would you|make sure|don't forget|do not forget|remember to|you need to|you must|kindly)\b/i,
	/^(send|call|check|confirm|update|ship|refund|book|cancel|fix|reply|email|contact|schedule|prepare|review|sign|pay|deliver|return)\b/i,
	// FR futur proche, futur simple 1st/3rd persons, requests and imperatives
	/\b(je vais|nous allons|on va|je vais vous|je m'en occupe|je reviens vers vous)\b/i,
	/\b(je|j'|nous|on|il|elle)\s*\w*\s*\w+(erai|rai|erons|rons|era|ra)\b/i,
	/\b(merci de|pouvez-vous|pourriez-vous|veuillez|il faut|n'oubliez pas|pensez à|vous devez|pourrais-tu|peux-tu)\b/i,
	/^(envoyez|appelez|vérifiez|confirmez|rappelez|renvoyez|signez|payez|retournez|envoie|appelle|vérifie|confirme)\b/i
];

export function isAction(sentence: string): boolean {
	if (SMALL_TALK.test(sentence) || words(sentence).length < 2) return false;
	if (/\?$/.test(sentence) && !/\b(could you|can you|would you|pouvez-vous|pourriez-vous|peux-tu|pourrais-tu)\b/i.test(sentence)) return false;
	return ACTION_PATTERNS.some((p) => p.test(sentence));
}

export function quote(s: string): string {
	const t = s.length > MAX_QUOTE ? `${s.slice(0, MAX_QUOTE - 1).replace(/\s+\S*$/, '')}…` : s;
	return `“${t}”`;
}

interface Scored {
	line: number;
	index: number;
	text: string;
	who: string;
	score: number;
}

const speaker = (l: ConversationLine, lang: Lang): string => l.name ?? (l.from === 'contact' ? (lang === 'fr' ? 'Contact' : 'Contact') : lang === 'fr' ? 'Agent' : 'Agent');

function score(lines: ConversationLine[], lang: Lang): Scored[] {
	const freq = new Map<string, number>();
	for (const l of lines) for (const w of new Set(words(l.text))) freq.set(w, (freq.get(w) ?? 0) + 1);
	const firstContact = lines.findIndex((l) => l.from === 'contact');
	const out: Scored[] = [];
	lines.forEach((l, li) => {
		sentences(l.text).forEach((s, si) => {
			const ws = words(s);
			if (ws.length === 0) return;
			let sc = ws.reduce((a, w) => a + Math.log(1 + (freq.get(w) ?? 0)), 0) / Math.sqrt(ws.length);
			if (FIGURE.test(s)) sc += 2.5;
			if (TROUBLE.test(s)) sc += 1.5;
			if (li === firstContact && si === 0) sc += 3;
			if (/\?$/.test(s) && l.from === 'contact') sc += 1;
			if (isAction(s)) sc += 1;
			if (ws.length < 3) sc -= 1.5;
			if (SMALL_TALK.test(s)) sc -= 4;
			out.push({ line: li, index: si, text: s, who: speaker(l, lang), score: sc });
		});
	});
	return out;
}

/**
 * About one sentence in four (2 to `MAX_BULLETS`) becomes a bullet; the best-scored action
 * sentences (at most `MAX_ACTIONS`, in thread order) go to the action items instead of the
 * bullets, so nothing is quoted twice.
 */
export function summarizeLines(lines: ConversationLine[], lang: Lang, maxBullets = MAX_BULLETS): SummaryResult {
	const scored = score(lines, lang);
	const best = [...scored].sort((a, b) => b.score - a.score || a.line - b.line || a.index - b.index);
	const actions = new Set(best.filter((s) => isAction(s.text)).slice(0, MAX_ACTIONS));
	const budget = Math.max(2, Math.min(maxBullets, Math.ceil(scored.length / 4)));
	const chosen: Scored[] = [];
	const seen = new Set<string>();
	for (const s of best) {
		if (chosen.length >= budget) break;
		const key = s.text.toLowerCase();
		if (seen.has(key) || actions.has(s) || SMALL_TALK.test(s.text)) continue;
		seen.add(key);
		chosen.push(s);
	}
	const inOrder = (a: Scored, b: Scored) => a.line - b.line || a.index - b.index;
	chosen.sort(inOrder);
	return {
		bullets: chosen.map((s) => `${s.who}: ${quote(s.text)}`),
		actionItems: [...actions].sort(inOrder).map((s) => `${s.who}: ${quote(s.text)}`)
	};
}

/** S2.4: a call summary from `Speaker: words` lines (lines without a speaker continue the last). */
export function summarizeCall(transcript: string, lang: Lang): CallSummary {
	const lines: ConversationLine[] = [];
	for (const raw of transcript.split(/\n+/)) {
		const m = /^\s*([^:]{1,40}):\s*(.+)$/.exec(raw);
		if (m) lines.push({ from: 'agent', name: m[1]!.trim(), text: m[2]!.trim(), at: lines.length });
		else if (raw.trim() && lines.length > 0) lines[lines.length - 1]!.text += ` ${raw.trim()}`;
		else if (raw.trim()) lines.push({ from: 'agent', name: '?', text: raw.trim(), at: 0 });
	}
	const scored = score(lines, lang);
	const top = [...scored].sort((a, b) => b.score - a.score).slice(0, 3).sort((a, b) => a.line - b.line || a.index - b.index);
	const first = scored[0]?.text ?? '';
	const titleWords = (top[0]?.text ?? first).replace(/[.!?…]+$/, '').split(/\s+/).slice(0, 8).join(' ');
	const people = [...new Set(lines.map((l) => l.name).filter((n): n is string => !!n && n !== '?'))];
	const title = lang === 'fr' ? `Appel${people.length ? ` avec ${people.join(', ')}` : ''} : ${titleWords}` : `Call${people.length ? ` with ${people.join(', ')}` : ''}: ${titleWords}`;
	const actionItems: CallSummary['actionItems'] = [];
	for (const s of scored) {
		if (!isAction(s.text) || actionItems.length >= MAX_ACTIONS) continue;
		// "I will..." belongs to who said it; "could you..." to the other party (in a two-party call).
		const asks = /\b(please|could you|can you|would you|pouvez-vous|pourriez-vous|merci de|veuillez)\b/i.test(s.text);
		const other = people.find((p) => p !== s.who) ?? null;
		actionItems.push({ text: s.text, owner: asks ? other : s.who });
	}
	const nextSteps = scored
		.filter((s) => /\b(next|then|tomorrow|follow[- ]up|next week|demain|ensuite|prochain|prochaine|semaine prochaine|plus tard)\b/i.test(s.text))
		.slice(0, 4)
		.map((s) => s.text);
	return { title, summary: top.map((s) => s.text).join(' '), actionItems, nextSteps };
}
