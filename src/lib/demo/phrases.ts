/**
 * Word banks of the demo workspace: people's names (English and French, with accents),
 * companies, and what customers and agents say, in both languages. Some lines carry the
 * things search must find (SPEC S3.5): emails and domains, numbers, emoji, phrases.
 */

export const FIRST_NAMES_EN = [
	'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'James', 'Sophia', 'William', 'Isabella', 'Oliver',
	'Mia', 'Benjamin', 'Charlotte', 'Lucas', 'Amelia', 'Henry', 'Harper', 'Carlos', 'Evelyn', 'Carter',
	'Samantha', 'Daniel', 'Grace', 'Scarlet', 'Oscar', 'Chloe', 'Ethan', 'Zoe', 'Nathan', 'Hannah'
];
export const LAST_NAMES_EN = [
	'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Wilson', 'Taylor',
	'Anderson', 'Thomas', 'Moore', 'Jackson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Hall',
	'Young', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Carter', 'Mitchell'
];
export const FIRST_NAMES_FR = [
	'Hélène', 'François', 'Chloé', 'Léa', 'Zoé', 'Noémie', 'Jérôme', 'Stéphane', 'Amélie', 'Gaëlle',
	'Céline', 'Benoît', 'Loïc', 'Maëlle', 'Anaïs', 'Théo', 'Inès', 'Raphaël', 'Élodie', 'Clément',
	'Margaux', 'Aurélien', 'Camille', 'Océane', 'Hugo', 'Manon', 'Sébastien', 'Louise', 'Mathis', 'Cécile'
];
export const LAST_NAMES_FR = [
	'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau',
	'Simon', 'Laurent', 'Lefèvre', 'Michel', 'Garnier', 'Faure', 'Rousseau', 'Blanc', 'Guérin', 'Müller',
	'Lemaître', 'Bonnet', 'Chevalier', 'Girard', 'André', 'Mercier', 'Dupont', 'Lambert', 'Fontaine', 'Roussel'
];

export const COMPANIES = [
	{ name: 'Acme Corp', domain: 'acme.io' },
	{ name: 'Boulangerie Martin', domain: 'boulangerie-martin.fr' },
	{ name: 'Northwind Traders', domain: 'northwind.com' },
	{ name: 'Atelier Lumière', domain: 'atelier-lumiere.fr' },
	{ name: 'Globex', domain: 'globex.co.uk' },
	{ name: 'Café des Arts', domain: 'cafedesarts.be' }
];
export const MAIL_PROVIDERS = ['gmail.com', 'outlook.com', 'yahoo.fr', 'hotmail.com', 'orange.fr', 'icloud.com'];

export const TAGS = ['vip', 'lead', 'customer', 'churn-risk', 'b2b', 'newsletter'];

interface Lines {
	greetingsIn: string[];
	questionsIn: string[];
	followUpsIn: string[];
	thanksIn: string[];
	repliesOut: string[];
	closingsOut: string[];
	comments: string[];
	broadcasts: string[];
	templates: string[];
	quickReplies: string[];
	storyReplies: string[];
}

/** `{order}` becomes an order number, `{email}` the contact's email, `{name}` their first name. */
export const LINES: Record<'en' | 'fr', Lines> = {
	en: {
		greetingsIn: ['Hi there!', 'Hello, I need some help please', 'Hey 👋', 'Good morning', 'Hi, quick question'],
		questionsIn: [
			'Where is my order {order}? It was supposed to arrive yesterday.',
			'Can I change the delivery address for order {order}?',
			'My card was charged twice, can you check? Invoice {order}',
			'Do you ship to Canada? And how long does it take?',
			'The app crashes when I open the settings page 😕',
			'Please send the invoice to {email}',
			'Is the blue model back in stock?',
			'I would like a refund for order {order}, the item arrived damaged',
			'What are your opening hours on Sunday?',
			'How do I reset my password? The link expired'
		],
		followUpsIn: ['Any update?', 'Still waiting on this 🙏', 'Ok thanks', 'Sure, my number is {order}', 'Perfect 👍👍👍', 'That works for me'],
		thanksIn: ['Thank you so much!', 'Great, thanks 🙂', 'Thanks, have a nice day', 'Awesome, problem solved'],
		repliesOut: [
			'Hi {name}, thanks for reaching out! Let me check that for you.',
			'I can see order {order} left our warehouse this morning, it should arrive within 2 days.',
			'I have refunded the duplicate charge, you will see it in 3-5 business days.',
			'Could you send me a screenshot of the error?',
			'Yes, we ship to Canada, delivery takes 5 to 7 days.',
			'I just sent a new reset link to {email}.',
			'Here is the tracking link: https://track.example.com/{order}',
			'We open from 10am to 4pm on Sundays.'
		],
		closingsOut: ['Happy to help, have a great day!', 'Let us know if there is anything else.', 'Closing this for now, just reply if you need us.'],
		comments: [
			'{mention} can you take this one? Customer is a VIP',
			'Refund approved by finance ({order})',
			'{mention} FYI this is the third complaint this week about shipping',
			'Called the customer, no answer. Will try again tomorrow.',
			'Escalated to the tech team, ticket {order}'
		],
		broadcasts: ['🎉 Spring sale: 20% off everything until Sunday!', 'Our new collection is out, have a look: https://shop.example.com/new'],
		templates: ['Your order {order} has shipped and is on its way 📦', 'Reminder: your appointment is tomorrow at 10:00'],
		quickReplies: ['Yes, confirm', 'No, reschedule', 'Talk to an agent'],
		storyReplies: ['Love this! 😍', 'Is this available in size M?', 'How much is it?']
	},
	fr: {
		greetingsIn: ['Bonjour !', "Bonjour, j'ai besoin d'aide s'il vous plaît", 'Salut 👋', 'Bonsoir', 'Bonjour, une petite question'],
		questionsIn: [
			'Où en est ma commande {order} ? Elle devait arriver hier.',
			"Est-ce que je peux changer l'adresse de livraison de la commande {order} ?",
			'Ma carte a été débitée deux fois, pouvez-vous vérifier ? Facture {order}',
			'Livrez-vous en Belgique ? Quel est le délai ?',
			"L'application plante quand j'ouvre les réglages 😕",
			"Merci d'envoyer la facture à {email}",
			'Le modèle bleu est-il de nouveau disponible ?',
			'Je voudrais un remboursement pour la commande {order}, le colis est arrivé abîmé',
			"Quels sont vos horaires d'ouverture le dimanche ?",
			'Comment réinitialiser mon mot de passe ? Le lien a expiré'
		],
		followUpsIn: ['Des nouvelles ?', "J'attends toujours 🙏", "D'accord merci", 'Oui, mon numéro est le {order}', 'Parfait 👍👍👍', 'Ça me va'],
		thanksIn: ['Merci beaucoup !', 'Super, merci 🙂', 'Merci, bonne journée', 'Génial, problème réglé'],
		repliesOut: [
			'Bonjour {name}, merci pour votre message ! Je regarde ça tout de suite.',
			'La commande {order} a quitté notre entrepôt ce matin, elle arrivera sous 2 jours.',
			'Le double débit a été remboursé, vous le verrez sous 3 à 5 jours ouvrés.',
			"Pourriez-vous m'envoyer une capture d'écran de l'erreur ?",
			'Oui, nous livrons en Belgique, comptez 3 à 5 jours.',
			'Je viens de renvoyer un lien de réinitialisation à {email}.',
			'Voici le lien de suivi : https://track.example.com/{order}',
			'Nous sommes ouverts de 10 h à 16 h le dimanche.'
		],
		closingsOut: ['Avec plaisir, bonne journée !', "N'hésitez pas si vous avez d'autres questions.", 'Je clôture la conversation, répondez-nous si besoin.'],
		comments: [
			'{mention} tu peux prendre celui-ci ? Client VIP',
			'Remboursement validé par la compta ({order})',
			'{mention} pour info, troisième réclamation de la semaine sur la livraison',
			'Client appelé, pas de réponse. Je réessaie demain.',
			"Remonté à l'équipe technique, ticket {order}"
		],
		broadcasts: ['🎉 Soldes de printemps : -20 % sur tout jusqu’à dimanche !', 'Notre nouvelle collection est en ligne : https://shop.example.com/nouveau'],
		templates: ['Votre commande {order} a été expédiée 📦', 'Rappel : votre rendez-vous est demain à 10 h'],
		quickReplies: ['Oui, je confirme', 'Non, reporter', 'Parler à un conseiller'],
		storyReplies: ["J'adore ! 😍", 'Disponible en taille M ?', "C'est combien ?"]
	}
};
