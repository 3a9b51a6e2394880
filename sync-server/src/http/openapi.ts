/**
 * The OpenAPI 3.1 description of every HTTP route the server registers, served at
 * `GET /api/openapi.json`. It is written by hand, next to the routes, and a test
 * (`sync-server/test/openapi.test.ts`) compares it with the router's own table: a route the
 * server serves but this file does not describe, or one described here that the server does not
 * serve, fails that test by name. Add a route, add its entry here.
 *
 * Paths use OpenAPI templates (`/api/directory/users/{id}`); the router's patterns are regular
 * expressions, and the test matches one against the other through a sample value per parameter.
 * The WebSocket endpoints (`/sync`, `/yjs/{docId}`) are upgrades, not routes; docs/protocol.md
 * describes them, and this file lists them only under `x-websockets` for discovery.
 */
import { reply } from './respond';
import type { Route } from './routes';
import { WORKFLOW_PATHS } from '../workflows/openapi';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const ref = (name: string): Obj => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Obj, description: string): Obj => ({ description, content: { 'application/json': { schema } } });
const err = (description: string): Obj => ({ description, content: { 'application/json': { schema: ref('Error') } } });
const body = (schema: Obj, required = true): Obj => ({ required, content: { 'application/json': { schema } } });
const idParam = (name: string, description: string): Obj => ({
	name,
	in: 'path',
	required: true,
	description,
	schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$' }
});
const obj = (properties: Obj, required: string[] = []): Obj => ({ type: 'object', properties, ...(required.length ? { required } : {}) });

const MEMBER: Json = [{ bearer: [] }];
const COMMON_ERRORS: Obj = {
	'400': err('`bad_request`, `bad_json` or `invalid_input`: the body is not what the route takes.'),
	'401': err('`missing_token`, `invalid_token`, `token_expired`, `token_revoked`, `wrong_workspace` or `user_inactive`.'),
	'413': err('`body_too_large`: more than 1 MiB.')
};
const ADMIN_ERRORS: Obj = { ...COMMON_ERRORS, '403': err('`forbidden`: owners and managers only (some changes: owners only).') };

/** Create / list / edit / delete of one plain directory record kind (teams, channels, snippets). */
const AI_RESPONSES = (ok: Obj): Obj => ({
	'200': json(ok, 'The result.'),
	'400': err('`bad_request`, `ai_bad_input` (nothing to work on) or `no_contact_language`.'),
	'401': COMMON_ERRORS['401']!,
	'403': err('`forbidden`: the caller may not see the contact (nothing is read or computed); `ai_off`: AI is turned off.'),
	'422': err('`ai_unsupported`: the provider cannot do this (the message says why).'),
	'502': err('`ai_failed`: the engine or the endpoint failed (the message says how).'),
	'504': err('`ai_timeout`.')
});

function crud(kind: string, schema: string, input: Obj, createExtra: Obj = {}): Obj {
	const one = kind.slice(0, -1);
	return {
		[`/api/directory/${kind}`]: {
			get: {
				tags: ['directory'],
				summary: `List the ${kind}`,
				security: MEMBER,
				responses: { '200': json(obj({ [kind]: { type: 'array', items: ref(schema) } }, [kind]), `Every ${one}.`), ...ADMIN_ERRORS }
			},
			post: {
				tags: ['directory'],
				summary: `Create a ${one}`,
				security: MEMBER,
				requestBody: body(input),
				responses: { '201': json(obj({ id: { type: 'string' }, ...createExtra }, ['id']), `The new ${one}'s id.`), ...ADMIN_ERRORS }
			}
		},
		[`/api/directory/${kind}/{id}`]: {
			parameters: [idParam('id', `The ${one}'s id.`)],
			patch: {
				tags: ['directory'],
				summary: `Edit a ${one} (fields left out keep their value)`,
				security: MEMBER,
				requestBody: body(input),
				responses: { '200': json(obj({ [one]: ref(schema) }, [one]), `The ${one} as stored.`), ...ADMIN_ERRORS, '404': err('`not_found`.') }
			},
			delete: {
				tags: ['directory'],
				summary: `Delete a ${one}`,
				security: MEMBER,
				responses: { '204': { description: 'Deleted.' }, ...ADMIN_ERRORS, '404': err('`not_found`.') }
			}
		}
	};
}

const CONFLICT = (codes: string) => err(codes);
const LINK_ERRORS: Obj = {
	'404': err('`link_not_found`: no such link.'),
	'410': err('`link_expired` (7 days) or `link_used` (each link works once).')
};
const TOKEN_PARAM: Obj = { name: 'token', in: 'path', required: true, description: 'The token of the link, shown once when it was made.', schema: { type: 'string' } };

/** Issue 20: invitations, reset links, first run, password, workspace options, custom fields, audit. */
const SETTINGS_PATHS: Obj = {
	'/api/setup': {
		post: {
			tags: ['workspace'],
			summary: 'First run: name the workspace and create its owner (only while it has no user)',
			requestBody: body(obj({ workspaceName: { type: 'string', maxLength: 100 }, name: { type: 'string', maxLength: 100 }, email: { type: 'string' }, password: { type: 'string', minLength: 8 } }, ['workspaceName', 'name', 'email', 'password'])),
			responses: { '201': json(obj({ user: ref('User') }, ['user']), 'The owner; sign in with the password.'), '400': err('`invalid_input`.'), '409': CONFLICT('`already_set_up`.') }
		}
	},
	'/api/me/password': {
		post: {
			tags: ['workspace'],
			summary: 'Change my password; my other sessions end, this one goes on',
			security: MEMBER,
			requestBody: body(obj({ currentPassword: { type: 'string' }, password: { type: 'string', minLength: 8, maxLength: 1024 } }, ['currentPassword', 'password'])),
			responses: { '204': { description: 'Changed.' }, ...COMMON_ERRORS, '403': err('`wrong_password`: the current password is not right.') }
		}
	},
	'/api/directory/invites': {
		get: {
			tags: ['directory'],
			summary: 'List the open invitations (without their tokens)',
			security: MEMBER,
			responses: { '200': json(obj({ invites: { type: 'array', items: ref('Invite') } }, ['invites']), 'Not used, not expired.'), ...ADMIN_ERRORS }
		},
		post: {
			tags: ['directory'],
			summary: 'Invite someone: a link valid 7 days, shown once (only an owner invites an owner)',
			security: MEMBER,
			requestBody: body(obj({ email: { type: 'string' }, name: { type: 'string', maxLength: 100 }, role: { enum: ['owner', 'manager', 'agent'] }, restriction: { enum: ['none', 'team', 'self'] }, teamIds: { type: 'array', items: { type: 'string' } } }, ['email'])),
			responses: {
				'201': json(obj({ invite: ref('Invite'), token: { type: 'string' }, path: { type: 'string', description: '`/invite/<token>`: the page where the invitee sets name and password.' } }, ['invite', 'token', 'path']), 'The invitation.'),
				...ADMIN_ERRORS,
				'409': CONFLICT('`email_taken`.')
			}
		}
	},
	'/api/directory/invites/{id}': {
		parameters: [idParam('id', 'The invitation id from the list.')],
		delete: { tags: ['directory'], summary: 'Revoke an open invitation', security: MEMBER, responses: { '204': { description: 'Revoked.' }, ...ADMIN_ERRORS, '404': err('`not_found`.') } }
	},
	'/api/invites/{token}': {
		parameters: [TOKEN_PARAM],
		get: {
			tags: ['auth'],
			summary: 'What an invitation is for (the invitation page)',
			responses: { '200': json(obj({ email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, workspaceName: { type: 'string' }, expiresAt: { type: 'integer' } }), 'The invitation.'), ...LINK_ERRORS }
		},
		post: {
			tags: ['auth'],
			summary: 'Accept an invitation: set name and password (then sign in)',
			requestBody: body(obj({ name: { type: 'string', maxLength: 100 }, password: { type: 'string', minLength: 8, maxLength: 1024 } }, ['name', 'password'])),
			responses: { '201': json(obj({ user: ref('User') }, ['user']), 'The new user.'), '400': err('`invalid_input`.'), ...LINK_ERRORS, '409': CONFLICT('`email_taken`.') }
		}
	},
	'/api/directory/users/{id}/reset-link': {
		parameters: [idParam('id', "The user's id.")],
		post: {
			tags: ['directory'],
			summary: 'Make a password reset link for a user (shown once; owners only for an owner)',
			security: MEMBER,
			responses: { '201': json(obj({ token: { type: 'string' }, path: { type: 'string' }, expiresAt: { type: 'integer' } }, ['token', 'path', 'expiresAt']), 'The link.'), ...ADMIN_ERRORS, '404': err('`not_found`.'), '409': CONFLICT('`user_inactive`.') }
		}
	},
	'/api/password-resets/{token}': {
		parameters: [TOKEN_PARAM],
		get: { tags: ['auth'], summary: 'Whose password a reset link sets', responses: { '200': json(obj({ email: { type: 'string' }, workspaceName: { type: 'string' }, expiresAt: { type: 'integer' } }), 'The link.'), ...LINK_ERRORS } },
		post: {
			tags: ['auth'],
			summary: 'Set a new password with a reset link; every session of the account ends',
			requestBody: body(obj({ password: { type: 'string', minLength: 8, maxLength: 1024 } }, ['password'])),
			responses: { '200': json(obj({ email: { type: 'string' } }, ['email']), 'Set; sign in with it.'), '400': err('`invalid_input`.'), ...LINK_ERRORS }
		}
	},
	'/api/directory/workspace': {
		patch: {
			tags: ['directory'],
			summary: 'Edit the workspace name, default country and options',
			security: MEMBER,
			requestBody: body(obj({ name: { type: 'string', maxLength: 100 }, defaultCountry: { type: 'string', pattern: '^[A-Z]{2}$' }, options: ref('WorkspaceOptions') })),
			responses: { '200': json(obj({ name: { type: 'string' }, defaultCountry: { type: ['string', 'null'] }, options: ref('WorkspaceOptions') }), 'As stored.'), ...ADMIN_ERRORS }
		}
	},
	'/api/directory/custom-fields': {
		get: { tags: ['directory'], summary: 'List the custom fields', security: MEMBER, responses: { '200': json(obj({ customFields: { type: 'array', items: ref('CustomField') } }, ['customFields']), 'Every field.'), ...ADMIN_ERRORS } },
		post: {
			tags: ['directory'],
			summary: 'Create a custom field (key from the label when left out)',
			security: MEMBER,
			requestBody: body(ref('CustomField')),
			responses: { '201': json(obj({ key: { type: 'string' }, field: ref('CustomField') }, ['key', 'field']), 'The field.'), ...ADMIN_ERRORS, '409': CONFLICT('`key_taken` or `name_taken`.') }
		}
	},
	'/api/directory/custom-fields/{key}': {
		parameters: [idParam('key', "The field's key.")],
		patch: { tags: ['directory'], summary: 'Edit a custom field (its key stays)', security: MEMBER, requestBody: body(ref('CustomField')), responses: { '200': json(obj({ field: ref('CustomField') }, ['field']), 'As stored.'), ...ADMIN_ERRORS, '404': err('`not_found`.') } },
		delete: { tags: ['directory'], summary: 'Delete a custom field', security: MEMBER, responses: { '204': { description: 'Deleted.' }, ...ADMIN_ERRORS, '404': err('`not_found`.') } }
	},
	'/api/directory/channels/{id}/test': {
		parameters: [idParam('id', "The webhook channel's id.")],
		post: {
			tags: ['directory'],
			summary: "Send a signed test event to a webhook channel's URL and return the receiver's answer",
			security: MEMBER,
			responses: {
				'200': json(obj({ ok: { type: 'boolean' }, status: { type: 'integer' }, body: { type: 'string' }, error: { type: 'string' }, ms: { type: 'integer' } }, ['ok']), 'The answer (or why there was none).'),
				...ADMIN_ERRORS,
				'404': err('`not_found`.'),
				'409': CONFLICT('`not_webhook`, `no_url` or `no_secret`.')
			}
		}
	},
	'/api/directory/audit': {
		get: {
			tags: ['directory'],
			summary: 'The audit trail of settings changes, newest first (owners only)',
			security: MEMBER,
			parameters: [
				{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
				{ name: 'before', in: 'query', schema: { type: 'integer' }, description: 'Only events before this time (ms): the next page.' }
			],
			responses: { '200': json(obj({ events: { type: 'array', items: ref('AuditEvent') } }, ['events']), 'Events.'), ...ADMIN_ERRORS }
		}
	}
};

export const OPENAPI: Obj = {
	openapi: '3.1.0',
	info: {
		title: 'Parley HTTP API',
		version: '1',
		description:
			'The JSON API of a Parley server. Every error is `{error: {code, message}}` with a fitting status. ' +
			'Authenticated routes take `Authorization: Bearer <accessToken>` (from `POST /api/auth/login`). ' +
			'See docs/api.md for examples and docs/protocol.md for the WebSocket endpoints.'
	},
	servers: [{ url: '/' }],
	tags: [
		{ name: 'auth', description: 'Login, token refresh, logout (one device\'s session).' },
		{ name: 'workspace', description: 'The caller, the workspace, contacts, files, link previews.' },
		{ name: 'directory', description: 'Users, teams, channels, snippets: owners and managers only.' },
		{ name: 'channels', description: 'Webhook channel and web chat entry points (public, signed or session-based).' },
		{ name: 'calls', description: 'Voice calls (SPEC S2): answer, signalling, end, outgoing calls, recordings. A call of a contact the caller may not see is `not_found`.' },
		{ name: 'server', description: 'Health and this description.' },
		{ name: 'ai', description: 'AI assist: summaries, prompts, translation, reply drafts, call summaries (issue 24). Every route checks that the caller may see the contact (403, nothing computed).' }
	],
	'x-websockets': {
		'/sync': 'The app\'s multiplexed WebSocket (docs/protocol.md, "/sync"). The upgrade is refused with 401 (token), or 429 `too_many_connections` past 32 open sockets per user.',
		'/yjs/{docId}': 'One document over the stock y-websocket protocol (docs/protocol.md, "/yjs"). Refused like /sync, and 403 `forbidden` for a document the user may not see.'
	},
	paths: {
		...WORKFLOW_PATHS,
		'/health': {
			get: {
				tags: ['server'],
				summary: 'Liveness, and the documents this process found unreadable',
				description:
					'200 as long as the process serves requests. `quarantined` lists the stored documents this process found it cannot read back (docs/operations.md, "Health"): each is not served until `npm run repair -- <docId>` repairs it; every other document is served as usual. The list is per process and empty when all is well.',
				responses: {
					'200': json(
						obj(
							{
								ok: { type: 'boolean', const: true },
								quarantined: {
									type: 'array',
									items: obj(
										{
											docId: { type: 'string', description: 'The document, e.g. `c/<contactId>`.' },
											reason: { type: 'string', description: 'What Yjs could not read back.' },
											since: { type: 'integer', description: 'When this process found it (ms since the epoch).' }
										},
										['docId', 'reason', 'since']
									)
								}
							},
							['ok', 'quarantined']
						),
						'The process serves requests.'
					)
				}
			}
		},
		'/api/openapi.json': {
			get: { tags: ['server'], summary: 'This description', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1 document.') } }
		},
		'/api/workspace': {
			get: {
				tags: ['workspace'],
				summary: 'The workspace name, for the login page',
				responses: {
					'200': json(
						obj(
							{
								name: { type: 'string' },
								demo: { type: 'boolean', description: 'True for the seeded demo workspace.' },
								setup: { type: 'boolean', description: 'True while a workspace started without the demo has no user yet (first run: `POST /api/setup`).' }
							},
							['name', 'demo', 'setup']
						),
						'Public facts.'
					)
				}
			}
		},
		'/api/auth/login': {
			post: {
				tags: ['auth'],
				summary: 'Exchange an email and a password for tokens',
				requestBody: body(obj({ email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 1024 } }, ['email', 'password'])),
				responses: {
					'200': json(ref('Session'), 'Signed in.'),
					'400': err('`bad_request`: no email or password.'),
					'401': err('`invalid_credentials`.'),
					'429': err('`rate_limited`: too many failed attempts for this account from this address (10 a minute), for this account from anywhere (100) or from this address for any account (30 attempts); see `Retry-After`. A successful login counts nowhere and clears the account\'s failures.')
				}
			}
		},
		'/api/auth/refresh': {
			post: {
				tags: ['auth'],
				summary: 'Rotate a refresh token: a new access token and a new refresh token',
				description:
					'Refresh tokens are single use. A rotated token presented again within 60 seconds (a lost response, two tabs racing) gets the same successor back; presented later, it was copied: that session (this device) ends, `refresh_token_reused`.',
				requestBody: body(obj({ refreshToken: { type: 'string', maxLength: 200 } }, ['refreshToken'])),
				responses: {
					'200': json(ref('Session'), 'New tokens; the old refresh token is spent (within its 60 s grace window it yields these same tokens again).'),
					'400': err('`bad_request`.'),
					'401': err('`invalid_refresh_token`, `refresh_token_revoked` (logged out, or the user\'s credentials changed), `refresh_token_reused` (the session is ended), `refresh_token_expired` or `user_inactive`.')
				}
			}
		},
		'/api/auth/logout': {
			post: {
				tags: ['auth'],
				summary: "End this device's session",
				description:
					'Ends the session of the given refresh token, or else of the `Authorization: Bearer` access token: its refresh tokens are revoked, its access tokens refused at once and its WebSockets closed (4401). Other devices of the same user stay signed in.',
				security: [{ bearer: [] }, {}],
				requestBody: body(obj({ refreshToken: { type: 'string', maxLength: 200 } })),
				responses: { '204': { description: 'Done (also when the token was unknown or already ended).' }, '400': err('`bad_json` or `bad_request`.') }
			}
		},
		'/api/me': {
			get: {
				tags: ['workspace'],
				summary: 'The caller and their workspace',
				security: MEMBER,
				responses: {
					'200': json(obj({ user: ref('User'), workspace: obj({ id: { type: 'string' }, name: { type: 'string' } }, ['id', 'name']) }, ['user', 'workspace']), 'The caller.'),
					'401': COMMON_ERRORS['401']!
				}
			},
			patch: {
				tags: ['workspace'],
				summary: 'Edit my profile: name and avatar colour',
				security: MEMBER,
				requestBody: body(obj({ name: { type: 'string', maxLength: 100 }, color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' } })),
				responses: { '200': json(obj({ user: ref('User') }, ['user']), 'The caller as stored.'), ...COMMON_ERRORS }
			}
		},
		...SETTINGS_PATHS,
		'/api/contacts': {
			post: {
				tags: ['workspace'],
				summary: 'Create a contact (SPEC S3.1); it starts unassigned unless given (S5.7)',
				security: MEMBER,
				requestBody: body(
					obj(
						{
							firstName: { type: 'string' },
							lastName: { type: 'string' },
							phone: { type: 'string' },
							email: { type: 'string' },
							teamId: { type: ['string', 'null'] },
							assigneeId: { type: ['string', 'null'] }
						},
						['firstName']
					)
				),
				responses: {
					'201': json(obj({ id: { type: 'string', description: 'The contact id; its document is `c/<id>`.' } }, ['id']), 'Created.'),
					...COMMON_ERRORS,
					'400': err('`invalid_contact` (with `error.fields`: one message per field), `bad_request` or `bad_json`.')
				}
			}
		},
		'/api/custom-inboxes': {
			get: {
				tags: ['workspace'],
				summary: 'The custom inboxes shared with the caller (SPEC S1.5), each with their own `hidden` choice',
				security: MEMBER,
				responses: { '200': json(obj({ rev: { type: 'integer' }, inboxes: { type: 'array', items: ref('CustomInbox') } }, ['rev', 'inboxes']), 'The list.'), ...COMMON_ERRORS }
			},
			post: {
				tags: ['workspace'],
				summary: 'Create a custom inbox: a saved advanced filter (SPEC S1.5, S4.4)',
				security: MEMBER,
				requestBody: body(ref('CustomInboxInput')),
				responses: {
					'201': json(obj({ inbox: ref('CustomInbox'), warnings: { type: 'array', items: { type: 'object' } } }, ['inbox', 'warnings']), 'Created; `warnings` lists broken references of the filter.'),
					...COMMON_ERRORS,
					'409': err('`too_many`: the workspace has 200 custom inboxes.')
				}
			}
		},
		'/api/custom-inboxes/{id}': {
			parameters: [idParam('id', 'The custom inbox id.')],
			patch: {
				tags: ['workspace'],
				summary: "Edit a custom inbox (its creator only); only the given fields change",
				security: MEMBER,
				requestBody: body(ref('CustomInboxInput')),
				responses: {
					'200': json(obj({ inbox: ref('CustomInbox'), warnings: { type: 'array', items: { type: 'object' } } }, ['inbox', 'warnings']), 'Edited.'),
					...COMMON_ERRORS,
					'403': err('`forbidden`: only the creator edits a custom inbox.'),
					'404': err('`not_found`: no such custom inbox shared with the caller.')
				}
			},
			delete: {
				tags: ['workspace'],
				summary: 'Delete a custom inbox (its creator only)',
				security: MEMBER,
				responses: {
					'204': { description: 'Deleted.' },
					...COMMON_ERRORS,
					'403': err('`forbidden`: only the creator deletes a custom inbox.'),
					'404': err('`not_found`: no such custom inbox shared with the caller.')
				}
			}
		},
		'/api/custom-inboxes/{id}/hidden': {
			parameters: [idParam('id', 'The custom inbox id.')],
			post: {
				tags: ['workspace'],
				summary: "Hide or show a custom inbox in the caller's own sidebar",
				security: MEMBER,
				requestBody: body(obj({ hidden: { type: 'boolean' } }, ['hidden'])),
				responses: { '200': json(obj({ inbox: ref('CustomInbox') }, ['inbox']), 'Done.'), ...COMMON_ERRORS, '404': err('`not_found`: no such custom inbox shared with the caller.') }
			}
		},
		'/api/uploads': {
			post: {
				tags: ['workspace'],
				summary: "Upload a file into a contact's conversation, to attach to a message (SPEC S5.14)",
				description:
					'The raw file is the body; `Content-Type` is its type (any type: only images, PDF, audio and video are served inline, everything else as a download) and `X-File-Name` its display name, URI-encoded. The file belongs to the contact named by `?contact=`: only users who may see that contact (and its web chat visitor) can read it back. The answer is the attachment to put in a message body (`body.attachments`) and a signed URL to show it at once.',
				security: MEMBER,
				parameters: [
					{ name: 'contact', in: 'query', required: true, description: 'The contact whose conversation the file is for.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$' } },
					{ name: 'X-File-Name', in: 'header', required: false, schema: { type: 'string' } }
				],
				requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
				responses: {
					'201': json(ref('UploadResult'), 'Stored under a unique storage name.'),
					'400': err('`contact_required` (no or malformed `?contact=`) or `empty_file`.'),
					'401': COMMON_ERRORS['401']!,
					'403': err('`forbidden`: the caller may not see this contact.'),
					'413': err('`file_too_large` (over 10 MiB; `error.limitBytes` gives the limit) or `workspace_storage_full` (`error.usedBytes`, `error.limitBytes`).'),
					'500': err('`storage_failed`: try again.')
				}
			}
		},
		'/api/uploads/{storageName}/link': {
			parameters: [{ name: 'storageName', in: 'path', required: true, schema: { type: 'string' } }],
			get: {
				tags: ['workspace'],
				summary: 'A fresh signed URL for a file (for `<img>`, `<audio>` and download links)',
				description: 'For a user who may see the file\'s contact now. The URL works for 10 minutes, for this user only; their right is checked again when it is used.',
				security: MEMBER,
				responses: {
					'200': json(ref('SignedLink'), 'The signed URL.'),
					'401': COMMON_ERRORS['401']!,
					'404': err('`not_found`: no such file, or the caller may not see its contact (the two are not told apart).')
				}
			}
		},
		'/api/uploads/{storageName}': {
			parameters: [{ name: 'storageName', in: 'path', required: true, schema: { type: 'string' } }],
			get: {
				tags: ['workspace'],
				summary: 'Download an uploaded file',
				description:
					'Authenticated by `Authorization: Bearer <accessToken>`, or by a signed URL (`exp`, `who`, `sig`, from the upload answer or `GET /api/uploads/{storageName}/link`). Either way the reader must still be allowed to see the file\'s contact (a web chat visitor: their own conversation). Types a browser renders safely are served inline; anything else as `application/octet-stream` with `Content-Disposition: attachment`, `nosniff` and a sandboxing CSP.',
				security: [{ bearer: [] }, {}],
				parameters: [
					{ name: 'exp', in: 'query', required: false, description: 'Signed URL: expiry, ms since the epoch.', schema: { type: 'string' } },
					{ name: 'who', in: 'query', required: false, description: 'Signed URL: the reader, `u:<userId>` or `v:<contactId>`.', schema: { type: 'string' } },
					{ name: 'sig', in: 'query', required: false, description: 'Signed URL: the HMAC of file, reader and expiry.', schema: { type: 'string' } }
				],
				responses: {
					'200': { description: 'The file, with its type and original name.', content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
					'401': err('No signature and no valid bearer token: `missing_token`, `invalid_token`, `token_expired`, `token_revoked`...'),
					'403': err('`bad_signature` or `link_expired` (ask `/link` again).'),
					'404': err('`not_found`: no such file, or the reader may not see its contact.')
				}
			}
		},
		'/api/calls/config': {
			get: {
				tags: ['calls'],
				summary: 'ICE servers and the workspace call settings',
				security: MEMBER,
				responses: { '200': json(obj({ iceServers: { type: 'array', items: { type: 'object' } }, settings: { type: 'object' } }), 'ICE servers (`ICE_SERVERS`) and the call settings.'), '401': COMMON_ERRORS['401']! }
			}
		},
		'/api/calls': {
			post: {
				tags: ['calls'],
				summary: 'Call a contact whose web chat is open (outgoing call)',
				description: 'The caller must see the contact; a contact without an assignee is assigned to the caller (S2.3). The visitor gets the offer; poll `GET /api/calls/{callId}/remote` for their answer.',
				security: MEMBER,
				requestBody: body(obj({ contactId: { type: 'string' }, callId: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' }, sdp: { type: 'string', maxLength: 12000 } }, ['contactId', 'callId', 'sdp'])),
				responses: { '201': json(obj({ callId: { type: 'string' } }), 'Ringing at the visitor.'), ...COMMON_ERRORS, '404': err('`not_found`: no such contact for the caller.'), '409': err('`contact_offline` (no open web chat that takes calls) or `busy`.') }
			}
		},
		'/api/calls/{callId}/answer': {
			parameters: [{ name: 'callId', in: 'path', required: true, description: 'The call (8-64 of A-Za-z0-9_-), from the `call_ringing` event.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } }],
			post: {
				tags: ['calls'],
				summary: 'Answer a ringing call (the first answer wins)',
				description: 'Answering a call of an unassigned contact assigns it to the caller (S2.3). The reply carries the visitor\'s offer; send the answer with `/sdp`.',
				security: MEMBER,
				responses: {
					'200': json(obj({ callId: { type: 'string' }, contactId: { type: 'string' }, sdp: { type: 'string' }, iceServers: { type: 'array', items: { type: 'object' } }, recording: { type: 'boolean' } }), 'The call is yours (`recording`: whether the workspace lets it be recorded).'),
					'401': COMMON_ERRORS['401']!,
					'404': err('`not_found`: no such call, or the caller may not see its contact.'),
					'409': err('`answered_by` (with `userId` and `name` of who got it), `not_ringing` or `finished`.')
				}
			}
		},
		'/api/calls/{callId}/sdp': {
			parameters: [{ name: 'callId', in: 'path', required: true, description: 'The call (8-64 of A-Za-z0-9_-), from the `call_ringing` event.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } }],
			post: {
				tags: ['calls'],
				summary: "The answering agent's session description, relayed to the visitor",
				security: MEMBER,
				requestBody: body(obj({ sdp: { type: 'string', maxLength: 12000 } }, ['sdp'])),
				responses: { '204': { description: 'Relayed.' }, ...COMMON_ERRORS, '404': err('`not_found`: not a call the caller answered.') }
			}
		},
		'/api/calls/{callId}/end': {
			parameters: [{ name: 'callId', in: 'path', required: true, description: 'The call (8-64 of A-Za-z0-9_-), from the `call_ringing` event.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } }],
			post: {
				tags: ['calls'],
				summary: 'Hang up',
				security: MEMBER,
				responses: { '204': { description: 'Ended (or missed, when it was still ringing).' }, '401': COMMON_ERRORS['401']!, '404': err('`not_found`: no such live call.') }
			}
		},
		'/api/calls/{callId}/remote': {
			parameters: [{ name: 'callId', in: 'path', required: true, description: 'The call (8-64 of A-Za-z0-9_-), from the `call_ringing` event.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } }, { name: 'wait', in: 'query', required: false, description: 'Long poll: wait up to this many ms (at most 25000).', schema: { type: 'integer' } }],
			get: {
				tags: ['calls'],
				summary: "Outgoing call: the visitor's answer once they take the call",
				security: MEMBER,
				responses: { '200': json(obj({ sdp: { type: ['string', 'null'] }, status: { type: 'string' } }), '`sdp` null: not yet (ask again) or over (see `status`).'), '401': COMMON_ERRORS['401']!, '404': err('`not_found`.') }
			}
		},
		'/api/calls/{callId}/recording-started': {
			parameters: [{ name: 'callId', in: 'path', required: true, description: 'The call (8-64 of A-Za-z0-9_-), from the `call_ringing` event.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } }],
			post: {
				tags: ['calls'],
				summary: 'The agent started recording: the visitor is told the call is recorded',
				security: MEMBER,
				responses: { '204': { description: 'Told.' }, '401': COMMON_ERRORS['401']!, '403': err('`recording_off`: the workspace does not record calls.'), '404': err('`not_found`.') }
			}
		},
		'/api/calls/{callId}/recording': {
			parameters: [{ name: 'callId', in: 'path', required: true, description: 'The call (8-64 of A-Za-z0-9_-), from the `call_ringing` event.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } }],
			post: {
				tags: ['calls'],
				summary: 'Attach the recording (uploaded with POST /api/uploads) to the call',
				description: 'By the agent who answered. When transcripts are on, the server transcribes it and writes `call_transcript` (then `call_summary`) events.',
				security: MEMBER,
				requestBody: body(obj({ storageName: { type: 'string' } }, ['storageName'])),
				responses: { '201': json(obj({ attachment: { type: 'object' } }), 'Attached.'), ...COMMON_ERRORS, '403': err('`forbidden` (not the answering agent) or `recording_off`.'), '404': err('`not_found`.') }
			}
		},
		'/api/link-preview': {
			get: {
				tags: ['workspace'],
				summary: "A page's Open Graph preview (SPEC S5.9), fetched by the server",
				security: MEMBER,
				parameters: [{ name: 'url', in: 'query', required: true, schema: { type: 'string', maxLength: 2048 } }],
				responses: {
					'200': json(obj({ preview: ref('LinkPreview') }, ['preview']), 'The preview.'),
					'400': err('`bad_request` or `bad_url`.'),
					'401': COMMON_ERRORS['401']!,
					'403': err('`refused`: the address is private (no requests into the server\'s network).'),
					'422': err('`not_html`.'),
					'502': err('`network`, `http_error` or `too_many_redirects`.'),
					'504': err('`timeout` (3 s).')
				}
			}
		},
		'/api/ai': {
			get: {
				tags: ['ai'],
				summary: "The workspace's AI: mode, provider, prompts (with why one cannot run), translation pairs (pivots named in `via`)",
				security: MEMBER,
				responses: { '200': json({ type: 'object' }, 'AiInfo (src/lib/domain/ai.ts).'), '401': COMMON_ERRORS['401']! }
			}
		},
		'/api/ai/summarize': {
			post: {
				tags: ['ai'],
				summary: 'Bullet summary and action items of the latest conversation, up to its last 100 messages (SPEC S6.3)',
				security: MEMBER,
				requestBody: body(obj({ contactId: { type: 'string' }, lang: { type: 'string', enum: ['en', 'fr', 'es', 'ca'] } }, ['contactId'])),
				responses: AI_RESPONSES(obj({ bullets: { type: 'array', items: { type: 'string' } }, actionItems: { type: 'array', items: { type: 'string' } }, messages: { type: 'integer' }, provider: { type: 'string' } }, ['bullets', 'actionItems']))
			}
		},
		'/api/ai/rewrite': {
			post: {
				tags: ['ai'],
				summary: "A prompt over a composer's text: improve, shorter, formal, friendly, spelling, translate (to the contact's language) or a custom prompt (SPEC S6.4)",
				security: MEMBER,
				requestBody: body(obj({ contactId: { type: 'string' }, text: { type: 'string', maxLength: 20000 }, prompt: obj({ kind: { type: 'string', enum: ['builtin', 'custom'] }, id: { type: 'string' } }, ['kind', 'id']), lang: { type: 'string' } }, ['contactId', 'text', 'prompt'])),
				responses: AI_RESPONSES(obj({ text: { type: 'string' }, provider: { type: 'string' } }, ['text']))
			}
		},
		'/api/ai/translate': {
			post: {
				tags: ['ai'],
				summary: 'One message of the thread translated (SPEC S5.3); `via` names pivot languages',
				security: MEMBER,
				requestBody: body(obj({ contactId: { type: 'string' }, entryId: { type: 'string' }, to: { type: 'string', enum: ['en', 'fr', 'es', 'ca'] }, from: { type: 'string' } }, ['contactId', 'entryId', 'to'])),
				responses: AI_RESPONSES(obj({ text: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, via: { type: 'array', items: { type: 'string' } } }, ['text', 'to', 'via']))
			}
		},
		'/api/ai/reply': {
			post: {
				tags: ['ai'],
				summary: 'A draft reply to the contact from the conversation, messages only (SPEC S5.3)',
				security: MEMBER,
				requestBody: body(obj({ contactId: { type: 'string' }, lang: { type: 'string' } }, ['contactId'])),
				responses: AI_RESPONSES(obj({ text: { type: 'string' }, lang: { type: 'string' } }, ['text']))
			}
		},
		'/api/ai/call-summary': {
			post: {
				tags: ['ai'],
				summary: "A call's summary from its transcript: title, summary, action items with owners, next steps (SPEC S2.4)",
				security: MEMBER,
				requestBody: body(obj({ contactId: { type: 'string' }, transcript: { type: 'string', maxLength: 20000 }, lang: { type: 'string' } }, ['contactId', 'transcript'])),
				responses: AI_RESPONSES(obj({ title: { type: 'string' }, summary: { type: 'string' }, actionItems: { type: 'array', items: { type: 'object' } }, nextSteps: { type: 'array', items: { type: 'string' } } }, ['title', 'summary']))
			}
		},
		'/api/ai/settings': {
			patch: {
				tags: ['ai'],
				summary: "Turn AI on, built-in only or off, set the custom prompts (name + instruction) and the workspace's own OpenAI-compatible endpoint (its API key is kept on the server, never shown again)",
				security: MEMBER,
				requestBody: body(
					obj({
						mode: { type: 'string', enum: ['on', 'builtin', 'off'] },
						prompts: { type: 'array', items: obj({ id: { type: 'string' }, name: { type: 'string' }, instruction: { type: 'string' } }, ['name', 'instruction']) },
						endpoint: { oneOf: [obj({ baseUrl: { type: 'string', format: 'uri' }, model: { type: 'string' } }, ['baseUrl', 'model']), { type: 'null' }] },
						apiKey: { type: ['string', 'null'], maxLength: 500 }
					})
				),
				responses: { '200': json(obj({ ai: { type: 'object' } }, ['ai']), 'The new options.'), '400': err('`bad_request`.'), ...ADMIN_ERRORS }
			}
		},
		'/api/directory/users': {
			get: {
				tags: ['directory'],
				summary: 'List the users',
				security: MEMBER,
				responses: { '200': json(obj({ users: { type: 'array', items: ref('User') } }, ['users']), 'Every user, active or not.'), ...ADMIN_ERRORS }
			},
			post: {
				tags: ['directory'],
				summary: 'Add a user (only an owner adds an owner)',
				security: MEMBER,
				requestBody: body(
					obj(
						{
							name: { type: 'string', maxLength: 100 },
							email: { type: 'string' },
							role: ref('Role'),
							restriction: ref('Restriction'),
							teamIds: { type: 'array', items: { type: 'string' } },
							password: { type: 'string', minLength: 8, description: 'A random one when left out.' }
						},
						['name', 'email']
					)
				),
				responses: {
					'201': json(obj({ id: { type: 'string' }, user: ref('User'), password: { type: 'string', description: 'Only when the server made the password up: shown once.' } }, ['id', 'user']), 'Created.'),
					...ADMIN_ERRORS,
					'409': err('`email_taken`.')
				}
			}
		},
		'/api/directory/users/{id}': {
			parameters: [idParam('id', "The user's id.")],
			patch: {
				tags: ['directory'],
				summary: 'Edit a user; a change of password, role, restriction, teams or activity ends their sessions',
				security: MEMBER,
				requestBody: body(
					obj({
						name: { type: 'string' },
						role: ref('Role'),
						restriction: ref('Restriction'),
						teamIds: { type: 'array', items: { type: 'string' } },
						active: { type: 'boolean' },
						password: { type: 'string', minLength: 8 }
					})
				),
				responses: {
					'200': json(obj({ user: ref('User') }, ['user']), 'The user as stored.'),
					...ADMIN_ERRORS,
					'404': err('`not_found`.'),
					'409': err('`last_owner`: the workspace needs an active owner.')
				}
			},
			delete: {
				tags: ['directory'],
				summary: 'Delete a user (owners only)',
				security: MEMBER,
				responses: { '204': { description: 'Deleted; their connections are closed.' }, ...ADMIN_ERRORS, '404': err('`not_found`.'), '409': err('`last_owner`.') }
			}
		},
		...crud('teams', 'Team', obj({ name: { type: 'string', maxLength: 100 } })),
		...crud(
			'channels',
			'Channel',
			obj({
				name: { type: 'string', maxLength: 100 },
				kind: { enum: ['webchat', 'webhook'] },
				url: { type: 'string', description: 'Outbound URL (webhook channels).' },
				windowHours: { type: ['integer', 'null'] },
				supportsReplies: { type: 'boolean' },
				templates: { type: 'array', maxItems: 20, items: ref('MessageTemplate'), description: 'Messages that may open a conversation or reopen a closed messaging window (SPEC S5.6); an `id` left out is made up.' },
				webchat: obj(
					{
						color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
						greeting: { type: 'string', maxLength: 500 },
						allowedOrigins: { type: 'array', maxItems: 50, items: { type: 'string' }, description: 'Origins allowed to embed the widget; empty: any.' }
					}
				)
			}),
			{ secret: { type: 'string', description: 'Webhook channels: the signing secret, shown only here.' } }
		),
		...crud('snippets', 'Snippet', obj({ name: { type: 'string', maxLength: 100 }, text: { type: 'string', maxLength: 10000 } })),
		'/api/directory/channels/{id}/secret': {
			parameters: [idParam('id', "The webhook channel's id.")],
			post: {
				tags: ['directory'],
				summary: "Rotate a webhook channel's signing secret (shown once)",
				security: MEMBER,
				responses: {
					'200': json(obj({ secret: { type: 'string' } }, ['secret']), 'The new secret; the old one stops working.'),
					...ADMIN_ERRORS,
					'404': err('`not_found`.'),
					'409': err('`not_webhook`.')
				}
			}
		},
		'/api/channels/{id}/inbound': {
			parameters: [idParam('id', "The webhook channel's id.")],
			post: {
				tags: ['channels'],
				summary: 'A message from a contact, pushed by the channel provider',
				description:
					'Signed: `X-Parley-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel secret>`. Idempotent by `messageId` (a replay answers 200 with `duplicate: true`). The contact is found by `externalId`, then phone, then email, or created.',
				parameters: [{ name: 'X-Parley-Signature', in: 'header', required: true, schema: { type: 'string' } }],
				requestBody: body(
					obj(
						{
							messageId: { type: 'string', maxLength: 200 },
							contact: obj({
								externalId: { type: 'string' },
								phone: { type: 'string' },
								email: { type: 'string' },
								firstName: { type: 'string' },
								lastName: { type: 'string' }
							}),
							type: { type: 'string', default: 'text' },
							text: { type: 'string', maxLength: 10000 },
							at: { type: ['number', 'string'], description: 'Milliseconds or ISO 8601.' },
							raw: { description: 'Any payload, shown by "Show more" for unknown types (SPEC S5.11).' }
						},
						['messageId', 'contact']
					)
				),
				responses: {
					'201': json(ref('InboundResult'), 'Stored.'),
					'200': json(ref('InboundResult'), 'Already stored (same messageId).'),
					'400': err('`bad_json`.'),
					'401': err('`bad_signature`.'),
					'404': err('`unknown_channel`.'),
					'409': err('`no_secret`.'),
					'413': err('`body_too_large` (64 KiB).'),
					'422': err('`invalid_message`.')
				}
			}
		},
		'/api/channels/{id}/status': {
			parameters: [idParam('id', "The webhook channel's id.")],
			post: {
				tags: ['channels'],
				summary: 'Delivery status of one of our outgoing messages (SPEC S5.4)',
				description: 'Signed like `/inbound`.',
				parameters: [{ name: 'X-Parley-Signature', in: 'header', required: true, schema: { type: 'string' } }],
				requestBody: body(obj({ entryId: { type: 'string' }, status: { enum: ['delivered', 'read', 'failed'] }, error: { type: 'string' } }, ['entryId', 'status'])),
				responses: {
					'200': json(obj({ entryId: { type: 'string' }, status: { type: 'string' }, changed: { type: 'boolean' } }), 'Applied (statuses only move forward).'),
					'401': err('`bad_signature`.'),
					'404': err('`unknown_channel` or `unknown_entry`.'),
					'409': err('`no_secret`.'),
					'422': err('`invalid_status`.')
				}
			}
		},
		'/api/channels/{id}/email': {
			parameters: [idParam('id', "The email channel's id.")],
			get: {
				tags: ['channels'],
				summary: "An email channel's settings (SPEC S5.12)",
				description: 'Addresses, SMTP out, IMAP in, DKIM; whether each secret is set (never the secret); the SMTP receiver and the IMAP poller status.',
				security: MEMBER,
				responses: { '200': json(ref('EmailChannel'), 'The settings.'), ...ADMIN_ERRORS, '404': err('`unknown_channel`.') }
			},
			patch: {
				tags: ['channels'],
				summary: "Change an email channel's settings and secrets (SPEC S5.12)",
				description:
					'Fields left out keep their value; `null` removes `smtp`, `imap` or `dkim`. `smtp.password`, `imap.password` and `dkim.privateKey` are stored on the server only (never in the directory, never returned).',
				security: MEMBER,
				requestBody: body(
					obj({
						addresses: { type: 'array', items: { type: 'string' }, maxItems: 20 },
						fromName: { type: ['string', 'null'] },
						smtp: { type: ['object', 'null'], description: '{host, port, security: tls|starttls|none, user?, password?}' },
						imap: { type: ['object', 'null'], description: '{host, port, tls, user, folder, password?}' },
						dkim: { type: ['object', 'null'], description: '{domain, selector, privateKey? (PEM)}' }
					})
				),
				responses: { '200': json(ref('EmailChannel'), 'Saved.'), ...ADMIN_ERRORS, '400': err('`invalid_input`.'), '404': err('`unknown_channel`.') }
			}
		},
		'/api/channels/{id}/email/problems': {
			parameters: [idParam('id', "The email channel's id.")],
			get: {
				tags: ['channels'],
				summary: 'Delivery reports that matched no email we sent (SPEC S5.4)',
				description: 'Unmatched bounces (RFC 3464) received on this channel, newest first, the newest 500 kept. `reason`: `unknown_message` or `no_message_id`. Owners and managers.',
				security: MEMBER,
				responses: {
					'200': json(
						obj({
							problems: {
								type: 'array',
								items: obj({ at: { type: 'number' }, recipient: { type: 'string' }, status: { type: 'string' }, diagnostic: { type: 'string' }, reason: { enum: ['unknown_message', 'no_message_id'] }, originalMessageId: { type: 'string' }, reportId: { type: 'string' }, from: { type: 'string' }, subject: { type: 'string' } })
							}
						}),
						'The list.'
					),
					...ADMIN_ERRORS,
					'404': err('`unknown_channel`.')
				}
			}
		},
		'/api/me/email-signature': {
			get: {
				tags: ['channels'],
				summary: "The caller's email signature (SPEC S5.12)",
				description: 'Plain text, kept on the server per user: the same on every device of theirs.',
				security: MEMBER,
				responses: { '200': json(obj({ signature: { type: 'string' } }), 'The signature (empty when none).'), ...COMMON_ERRORS }
			},
			patch: {
				tags: ['channels'],
				summary: "Set the caller's email signature (SPEC S5.12)",
				security: MEMBER,
				requestBody: body(obj({ signature: { type: 'string', maxLength: 2000 } }, ['signature'])),
				responses: { '200': json(obj({ signature: { type: 'string' } }), 'Saved (trailing blanks and control characters removed).'), ...COMMON_ERRORS, '400': err('`invalid_input`.') }
			}
		},
		'/api/email/demo-mailbox': {
			get: {
				tags: ['channels'],
				summary: "The demo's local mailbox: the replies of the demo email channel",
				security: MEMBER,
				responses: { '200': json(obj({ port: { type: 'number' }, mails: { type: 'array', items: obj({ n: { type: 'number' }, messageId: { type: ['string', 'null'] }, raw: { type: 'string' } }) } }), 'Newest first (50).'), ...COMMON_ERRORS, '404': err('`no_mailbox`: not a demo server.') }
			}
		},
		'/api/chat/{id}/session': {
			parameters: [idParam('id', "The web chat channel's id.")],
			post: {
				tags: ['channels'],
				summary: "Open (or resume) a web chat visitor's session",
				requestBody: body(obj({ token: { type: 'string', description: 'A session token to resume.' }, name: { type: 'string', maxLength: 100 } })),
				responses: {
					'201': json(obj({ token: { type: 'string' }, resumed: { type: 'boolean', const: false } }), 'A new session.'),
					'200': json(obj({ token: { type: 'string' }, resumed: { type: 'boolean', const: true } }), 'The given session, resumed.'),
					'400': err('`bad_request`, `bad_json` or `invalid_name`.'),
					'404': err('`unknown_channel`.'),
					'429': err('`rate_limited`.')
				}
			}
		},
		'/api/chat/{id}/uploads': {
			parameters: [idParam('id', "The web chat channel's id.")],
			post: {
				tags: ['channels'],
				summary: "A web chat visitor uploads a file into their own conversation (SPEC S5.14)",
				description:
					'Authenticated by the visitor\'s session token (`Authorization: Bearer <session token>` from `POST /api/chat/{id}/session`). Body and headers as `POST /api/uploads`. The visitor then names the file\'s `storageName` in `attachments` of a message on the chat socket.',
				parameters: [{ name: 'X-File-Name', in: 'header', required: false, schema: { type: 'string' } }],
				requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
				responses: {
					'201': json(obj({ attachment: ref('Attachment'), url: { type: 'string', description: 'A signed URL for this visitor (a day).' } }, ['attachment', 'url']), 'Stored.'),
					'400': err('`empty_file`.'),
					'401': err('`bad_visitor_token`: start a new session.'),
					'404': err('`unknown_channel`.'),
					'413': err('`file_too_large` or `workspace_storage_full`.'),
					'429': err('`rate_limited` (20 files a minute); see `Retry-After`.')
				}
			}
		}
	},
	components: {
		securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (HS256, valid 15 minutes)' } },
		schemas: {
			Error: obj({ error: obj({ code: { type: 'string' }, message: { type: 'string' } }, ['code', 'message']) }, ['error']),
			Role: { enum: ['owner', 'manager', 'agent'] },
			Filter: obj(
				{
					groups: { type: 'array', maxItems: 20, description: 'OR between groups, AND within one (docs/filters.md).', items: { type: 'array', maxItems: 20, items: obj({ field: { type: 'string' }, op: { type: 'string' }, value: {}, to: {}, amount: { type: 'number' }, unit: { enum: ['hours', 'days'] } }, ['field', 'op']) } },
					timeZone: { type: 'string', description: 'IANA time zone of calendar dates; UTC when absent.' }
				},
				['groups']
			),
			CustomInboxSharing: obj({ kind: { enum: ['me', 'everyone', 'teams', 'users'] }, teamIds: { type: 'array', items: { type: 'string' } }, userIds: { type: 'array', items: { type: 'string' } } }, ['kind']),
			CustomInboxInput: obj({ name: { type: 'string', maxLength: 60 }, icon: { type: 'string', maxLength: 16 }, filter: ref('Filter'), sharing: ref('CustomInboxSharing') }),
			CustomInbox: obj(
				{
					id: { type: 'string' },
					name: { type: 'string' },
					icon: { type: 'string' },
					filter: ref('Filter'),
					sharing: ref('CustomInboxSharing'),
					createdBy: { type: 'string' },
					createdAt: { type: 'integer' },
					updatedAt: { type: 'integer' },
					hidden: { type: 'boolean', description: "The caller's own choice." }
				},
				['id', 'name', 'icon', 'filter', 'sharing', 'createdBy', 'createdAt', 'updatedAt', 'hidden']
			),
			Restriction: { enum: ['none', 'team', 'self'], description: 'SPEC S1.3.' },
			User: obj(
				{
					id: { type: 'string' },
					name: { type: 'string' },
					email: { type: 'string' },
					role: ref('Role'),
					restriction: ref('Restriction'),
					teamIds: { type: 'array', items: { type: 'string' } },
					color: { type: 'string' },
					active: { type: 'boolean' }
				},
				['id', 'name', 'email', 'role', 'restriction', 'teamIds', 'color', 'active']
			),
			Session: obj({ accessToken: { type: 'string' }, refreshToken: { type: 'string' }, user: ref('User') }, ['accessToken', 'refreshToken', 'user']),
			Team: obj({ id: { type: 'string' }, name: { type: 'string' } }, ['id', 'name']),
			Invite: obj(
				{ id: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, restriction: { type: 'string' }, teamIds: { type: 'array', items: { type: 'string' } }, createdBy: { type: 'string' }, createdAt: { type: 'integer' }, expiresAt: { type: 'integer' } },
				['id', 'email', 'role', 'expiresAt']
			),
			WorkspaceOptions: obj({ maskNumbers: { type: 'boolean' }, callRecording: { type: 'boolean' }, callTranscripts: { type: 'boolean' }, maxCallMinutes: { type: 'integer', minimum: 1, maximum: 480 }, timeZone: { type: 'string', maxLength: 64, description: 'IANA time zone (scheduled workflows, bot office hours); UTC when absent.' } }),
			CustomField: obj(
				{ key: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,39}$' }, label: { type: 'string', maxLength: 100 }, type: { enum: ['text', 'email', 'phone', 'url', 'number', 'checkbox', 'date', 'time', 'select'] }, options: { type: 'array', items: { type: 'string' } } },
				['label', 'type']
			),
			AuditEvent: obj(
				{ id: { type: 'string' }, at: { type: 'integer' }, actorId: { type: ['string', 'null'] }, action: { type: 'string', description: 'e.g. `user.invite`, `team.delete`, `channel.rotate_secret`.' }, targetId: { type: ['string', 'null'] }, detail: { type: 'object' } },
				['id', 'at', 'actorId', 'action']
			),
			Channel: obj(
				{
					id: { type: 'string' },
					kind: { enum: ['webchat', 'webhook'] },
					name: { type: 'string' },
					url: { type: 'string' },
					windowHours: { type: ['integer', 'null'] },
					supportsReplies: { type: 'boolean' },
					templates: { type: 'array', items: ref('MessageTemplate') }
				},
				['id', 'kind', 'name', 'windowHours', 'supportsReplies']
			),
			MessageTemplate: obj(
				{ id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, name: { type: 'string', maxLength: 100 }, text: { type: 'string', maxLength: 1000, description: 'With `{{firstName}}`-style contact variables.' } },
				['name', 'text']
			),
			Snippet: obj({ id: { type: 'string' }, name: { type: 'string' }, text: { type: 'string' } }, ['id', 'name', 'text']),
			Attachment: obj(
				{ storageName: { type: 'string' }, name: { type: 'string' }, size: { type: 'integer' }, mime: { type: 'string' } },
				['storageName', 'name', 'size', 'mime']
			),
			SignedLink: obj(
				{ url: { type: 'string', description: 'A path on this server: `/api/uploads/<storageName>?exp=...&who=...&sig=...`.' }, expiresAt: { type: 'integer', description: 'ms since the epoch.' } },
				['url', 'expiresAt']
			),
			UploadResult: obj(
				{ attachment: ref('Attachment'), url: { type: 'string', description: "A signed URL for the uploader (10 minutes)." }, expiresAt: { type: 'integer' } },
				['attachment', 'url', 'expiresAt']
			),
			LinkPreview: obj({ url: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' }, image: { type: 'string' } }, ['url']),
			EmailChannel: obj(
				{
					id: { type: 'string' },
					name: { type: 'string' },
					email: { type: 'object', description: '{addresses, fromName?, smtp?, imap?, dkim?} without secrets.' },
					secrets: obj({ smtpPassword: { type: 'boolean' }, imapPassword: { type: 'boolean' }, dkimKey: { type: 'boolean' } }),
					receiver: { type: ['object', 'null'], description: 'The built-in SMTP receiver {host, port}, when it listens.' },
					imap: { type: ['object', 'null'], description: 'The IMAP poller {state, error?, lastUid?}.' }
				},
				['id', 'email', 'secrets']
			),
			InboundResult: obj(
				{ contactId: { type: 'string' }, entryId: { type: 'string' }, duplicate: { type: 'boolean' }, delivered: { type: 'boolean', description: 'False when the contact is blocked.' } },
				['contactId', 'entryId', 'duplicate', 'delivered']
			)
		}
	}
};

/** `GET /api/openapi.json`: public, so a tool can read it before it has a token. */
export const openapiRoutes: Route[] = [
	{ method: 'GET', path: /^\/api\/openapi\.json$/, access: 'public', handle: async () => reply(200, OPENAPI) }
];
