/**
 * Twenty customer conversations (ten in English, ten in French) written for the built-in
 * summarizer's quality test and benchmark, each with the facts its summary must keep: order
 * numbers, amounts, dates, names of things. A summary that loses one of them is a bad summary,
 * whatever its wording.
 */
import type { ConversationLine, Lang } from '../../../../src/lib/domain/ai';

export interface QualityCase {
	name: string;
	lang: Lang;
	lines: ConversationLine[];
	/** Each must appear in the summary (bullets or action items), case-insensitively. */
	facts: string[];
}

/** Small talk every real conversation has, woven in so that a summary has something to leave out. */
const SMALL_TALK: Record<'en' | 'fr', Array<[0 | 1, string]>> = {
	en: [
		[1, 'Hello, thanks for reaching out to us today.'],
		[1, 'One moment please, I am looking into it.'],
		[0, 'Sure, no problem, take your time.'],
		[1, 'Thanks for your patience while I check.'],
		[0, 'No worries at all.'],
		[1, 'Is there anything else I can help you with?'],
		[0, 'No, that was all.'],
		[1, 'Have a nice day!']
	],
	fr: [
		[1, 'Bonjour, merci de nous avoir contactés.'],
		[1, 'Un instant s\'il vous plaît, je regarde.'],
		[0, 'Pas de souci, prenez votre temps.'],
		[1, 'Merci pour votre patience pendant que je vérifie.'],
		[0, 'Aucun problème.'],
		[1, 'Puis-je vous aider pour autre chose ?'],
		[0, 'Non, c\'est tout.'],
		[1, 'Bonne journée !']
	]
};

const conv = (name: string, lang: 'en' | 'fr', facts: string[], turns: Array<[0 | 1, string]>): QualityCase => {
	const talk = SMALL_TALK[lang];
	// The opening line, a greeting, the case with waiting in between, the closing small talk.
	const woven: Array<[0 | 1, string]> = [turns[0]!, talk[0]!, ...turns.slice(1, 2), talk[1]!, talk[2]!, ...turns.slice(2, -1), talk[3]!, talk[4]!, ...turns.slice(-1), talk[5]!, talk[6]!, talk[7]!];
	return {
		name,
		lang,
		facts,
		lines: woven.map(([who, text], i) => ({ from: who === 0 ? 'contact' : 'agent', name: who === 0 ? 'Customer' : 'Agent', text, at: i }))
	};
};

export const QUALITY_CASES: QualityCase[] = [
	conv('damaged parcel', 'en', ['4512', '49'], [
		[0, 'Hi there.'],
		[0, 'My order 4512 arrived damaged yesterday, the lamp shade is cracked.'],
		[1, 'I am sorry to hear that. Could you send a photo of the box?'],
		[0, 'Sure, here it is.'],
		[1, 'Thanks. I will refund the 49 dollars today.'],
		[0, 'Great, thank you!']
	]),
	conv('change address', 'en', ['7781', '12 Baker Street'], [
		[0, 'Hello, can I still change the delivery address for order 7781?'],
		[1, 'Yes, it has not shipped yet. What is the new address?'],
		[0, 'Please send it to 12 Baker Street, London.'],
		[1, 'Done, I updated the address to 12 Baker Street.'],
		[0, 'Perfect, thanks.']
	]),
	conv('password reset', 'en', ['reset link', 'emma@example.com'], [
		[0, 'I cannot log in to my account anymore.'],
		[1, 'I can help. Which email do you use?'],
		[0, 'emma@example.com'],
		[1, 'I just sent a reset link to emma@example.com, it is valid for one hour.'],
		[0, 'Got it, it works now.'],
		[1, 'Glad to hear it!']
	]),
	conv('late delivery', 'en', ['9034', 'Friday'], [
		[0, 'Where is my package? Order 9034 was due on Monday.'],
		[1, 'Let me check with the carrier.'],
		[1, 'The carrier says it is delayed by the storm and will arrive on Friday.'],
		[0, 'Friday is too late, I need it for a birthday on Thursday.'],
		[1, 'I understand. I will upgrade the shipping to express at no cost.'],
		[0, 'Ok, thanks for trying.']
	]),
	conv('double charge', 'en', ['charged twice', '120'], [
		[0, 'Hello, I was charged twice for the same subscription this month.'],
		[1, 'I am sorry about that. Can you tell me the amount?'],
		[0, 'Two payments of 120 euros on March 3.'],
		[1, 'I see both payments. I will cancel the second charge of 120 euros, you will see it in 5 days.'],
		[0, 'Thank you.']
	]),
	conv('wrong size', 'en', ['size M', 'L'], [
		[0, 'I ordered the jacket in size M but received an L.'],
		[1, 'Sorry for the mix-up! We will send the size M today.'],
		[1, 'Please return the L with the prepaid label in the box.'],
		[0, 'Will do.'],
		[0, 'Thanks a lot.']
	]),
	conv('cancel subscription', 'en', ['cancel', 'April 30'], [
		[0, 'I would like to cancel my subscription.'],
		[1, 'Sorry to see you go. May I ask why?'],
		[0, 'It is too expensive for me right now.'],
		[1, 'I understand. Your subscription is cancelled and stays active until April 30.'],
		[0, 'Ok, thank you.']
	]),
	conv('invoice request', 'en', ['invoice', 'INV-2291'], [
		[0, 'Hi, I need an invoice for my last purchase for my company.'],
		[1, 'Of course. What company name should be on it?'],
		[0, 'Northwind Traders, please.'],
		[1, 'Here is invoice INV-2291 made out to Northwind Traders.'],
		[0, 'Perfect, thank you.']
	]),
	conv('booking', 'en', ['table for 4', '8 pm'], [
		[0, 'Hello, can I book a table for 4 on Saturday?'],
		[1, 'Yes, at what time?'],
		[0, 'Around 8 pm if possible.'],
		[1, 'Your table for 4 is booked for Saturday at 8 pm.'],
		[0, 'Thanks!'],
		[1, 'See you then.']
	]),
	conv('refund status', 'en', ['refund', '3 to 5 business days'], [
		[0, 'I returned the blender two weeks ago and still have no refund.'],
		[1, 'Let me look. The warehouse received it on Tuesday.'],
		[1, 'The refund was approved today and takes 3 to 5 business days to reach your card.'],
		[0, 'Ok, I will wait then.'],
		[0, 'Thanks for checking.']
	]),
	conv('colis abîmé', 'fr', ['4512', '49'], [
		[0, 'Bonjour.'],
		[0, 'Ma commande 4512 est arrivée abîmée hier, le vase est cassé.'],
		[1, 'Je suis désolé. Pouvez-vous envoyer une photo du colis ?'],
		[0, 'Oui, la voici.'],
		[1, 'Merci. Je vais vous rembourser les 49 euros aujourd\'hui.'],
		[0, 'Merci beaucoup !']
	]),
	conv('changement d\'adresse', 'fr', ['7781', 'rue de la Paix'], [
		[0, 'Bonjour, puis-je encore changer l\'adresse de livraison de la commande 7781 ?'],
		[1, 'Oui, elle n\'est pas encore partie. Quelle est la nouvelle adresse ?'],
		[0, 'Merci de l\'envoyer au 5 rue de la Paix, Paris.'],
		[1, 'C\'est fait, l\'adresse est maintenant 5 rue de la Paix.'],
		[0, 'Parfait, merci.']
	]),
	conv('mot de passe', 'fr', ['lien', 'marie@exemple.fr'], [
		[0, 'Je n\'arrive plus à me connecter à mon compte.'],
		[1, 'Je peux vous aider. Quelle adresse utilisez-vous ?'],
		[0, 'marie@exemple.fr'],
		[1, 'Je viens d\'envoyer un lien de réinitialisation à marie@exemple.fr, il est valable une heure.'],
		[0, 'Ça marche, merci.']
	]),
	conv('retard', 'fr', ['9034', 'vendredi'], [
		[0, 'Où est mon colis ? La commande 9034 devait arriver lundi.'],
		[1, 'Je vérifie auprès du transporteur.'],
		[1, 'Le transporteur annonce un retard à cause de la tempête, livraison vendredi.'],
		[0, 'Vendredi c\'est trop tard, c\'est pour un anniversaire jeudi.'],
		[1, 'Je comprends. Je passe la livraison en express sans frais.'],
		[0, 'D\'accord, merci.']
	]),
	conv('double prélèvement', 'fr', ['deux fois', '120'], [
		[0, 'Bonjour, j\'ai été prélevé deux fois pour le même abonnement ce mois-ci.'],
		[1, 'Désolé. Quel est le montant ?'],
		[0, 'Deux prélèvements de 120 euros le 3 mars.'],
		[1, 'Je vois les deux. J\'annulerai le second prélèvement de 120 euros, vous le verrez sous 5 jours.'],
		[0, 'Merci.']
	]),
	conv('mauvaise taille', 'fr', ['taille M', 'L'], [
		[0, 'J\'ai commandé la veste en taille M mais j\'ai reçu du L.'],
		[1, 'Désolé pour l\'erreur ! Nous envoyons la taille M aujourd\'hui.'],
		[1, 'Merci de retourner le L avec l\'étiquette prépayée du carton.'],
		[0, 'D\'accord.'],
		[0, 'Merci beaucoup.']
	]),
	conv('résiliation', 'fr', ['résilier', '30 avril'], [
		[0, 'Je voudrais résilier mon abonnement.'],
		[1, 'Dommage ! Puis-je vous demander pourquoi ?'],
		[0, 'C\'est trop cher pour moi en ce moment.'],
		[1, 'Je comprends. Votre abonnement est résilié et reste actif jusqu\'au 30 avril.'],
		[0, 'D\'accord, merci.']
	]),
	conv('facture', 'fr', ['facture', 'FAC-2291'], [
		[0, 'Bonjour, il me faut une facture pour mon dernier achat, pour ma société.'],
		[1, 'Bien sûr. Quel nom de société dois-je indiquer ?'],
		[0, 'Les Jardins du Nord, s\'il vous plaît.'],
		[1, 'Voici la facture FAC-2291 au nom des Jardins du Nord.'],
		[0, 'Parfait, merci.']
	]),
	conv('réservation', 'fr', ['4 personnes', '20 h'], [
		[0, 'Bonjour, puis-je réserver une table pour 4 personnes samedi ?'],
		[1, 'Oui, à quelle heure ?'],
		[0, 'Vers 20 h si possible.'],
		[1, 'Votre table pour 4 personnes est réservée samedi à 20 h.'],
		[0, 'Merci !'],
		[1, 'À samedi.']
	]),
	conv('remboursement', 'fr', ['remboursement', '3 à 5 jours ouvrés'], [
		[0, 'J\'ai renvoyé le mixeur il y a deux semaines et je n\'ai toujours pas de remboursement.'],
		[1, 'Je regarde. L\'entrepôt l\'a reçu mardi.'],
		[1, 'Le remboursement a été validé aujourd\'hui et arrive sur votre carte sous 3 à 5 jours ouvrés.'],
		[0, 'D\'accord, j\'attends alors.'],
		[0, 'Merci d\'avoir vérifié.']
	])
];

/**
 * Twenty sentences for Apertium, each with the words its translation must contain (direct
 * pairs, and English<->French through the Spanish pivot).
 */
export const TRANSLATION_CASES: Array<{ from: Lang; to: Lang; text: string; keys: string[] }> = [
	{ from: 'en', to: 'es', text: 'The invoice is attached to this email.', keys: ['factura'] },
	{ from: 'en', to: 'es', text: 'Your order will arrive on Monday.', keys: ['llegará', 'lunes'] },
	{ from: 'en', to: 'es', text: 'Please confirm your delivery address.', keys: ['confirmar', 'entrega'] },
	{ from: 'en', to: 'es', text: 'We will refund the payment tomorrow.', keys: ['pago', 'mañana'] },
	{ from: 'en', to: 'es', text: 'The red shoes are out of stock.', keys: ['zapatos', 'rojos'] },
	{ from: 'es', to: 'en', text: 'El paquete llegó roto ayer.', keys: ['package', 'broken', 'yesterday'] },
	{ from: 'es', to: 'en', text: 'Necesito cambiar mi contraseña.', keys: ['need', 'change', 'password'] },
	{ from: 'es', to: 'en', text: 'Gracias por su ayuda.', keys: ['thank', 'help'] },
	{ from: 'fr', to: 'es', text: 'Ma commande est arrivée hier.', keys: ['ayer'] },
	{ from: 'fr', to: 'es', text: 'Le colis est en retard.', keys: ['retraso'] },
	{ from: 'fr', to: 'es', text: 'Merci pour votre réponse rapide.', keys: ['gracias', 'respuesta', 'rápida'] },
	{ from: 'es', to: 'fr', text: 'La factura está pagada.', keys: ['facture', 'payée'] },
	{ from: 'es', to: 'fr', text: 'Quiero cancelar mi suscripción.', keys: ['annuler', 'abonnement'] },
	{ from: 'en', to: 'ca', text: 'The shop opens at nine.', keys: ['obre', 'nou'] },
	{ from: 'en', to: 'ca', text: 'My phone does not work.', keys: ['telèfon'] },
	{ from: 'ca', to: 'en', text: 'El meu compte està bloquejat.', keys: ['blocked'] },
	{ from: 'en', to: 'fr', text: 'The invoice is paid.', keys: ['facture', 'payée'] },
	{ from: 'en', to: 'fr', text: 'Your account is blocked.', keys: ['compte', 'bloqu'] },
	{ from: 'fr', to: 'en', text: 'Le livre est sur la table.', keys: ['book', 'table'] },
	{ from: 'fr', to: 'en', text: 'Mon colis est arrivé cassé.', keys: ['arrived', 'broken'] }
];
