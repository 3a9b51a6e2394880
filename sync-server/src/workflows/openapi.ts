/**
 * OpenAPI entries of the workflow, shortcut and bot routes (`routes.ts`), spread into
 * `http/openapi.ts`'s paths. Definitions are the JSON of `src/lib/domain/workflows.ts`
 * (`WorkflowDefinition`); docs/api.md "Workflows" describes them with examples.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const MEMBER: Json = [{ bearer: [] }];
const errs = (codes: string): Obj => ({
	'400': { description: `\`invalid_input\`, \`bad_request\` or \`bad_json\`. ${codes}`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
	'401': { description: 'Not signed in (see the other routes).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
	'404': { description: '`not_found`: no such workflow, or a contact the caller may not see.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
});
const ok = (description: string): Obj => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const id = (name: string, description: string): Obj => ({ name, in: 'path', required: true, description, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,80}$' } });
const defBody: Obj = { required: true, content: { 'application/json': { schema: { type: 'object', properties: { definition: { type: 'object', description: 'A WorkflowDefinition: {name, trigger, steps}.' } }, required: ['definition'] } } } };
const anyBody: Obj = { required: true, content: { 'application/json': { schema: { type: 'object' } } } };
const op = (summary: string, responses: Obj, extra: Obj = {}): Obj => ({ tags: ['workflows'], summary, security: MEMBER, responses: { ...responses, ...errs('') }, ...extra });

const W = id('id', 'The workflow id.');
const C = id('contactId', 'The contact id.');

export const WORKFLOW_PATHS: Obj = {
	'/api/workflows': {
		get: op('List workflows with their newest version and its problems (owners, managers; SPEC S7.7)', { '200': ok('{workflows}') }),
		post: op('Publish a new workflow, version 1 (owners, managers)', { '201': ok('{id, version}'), '422': ok('`invalid_workflow` with `error.problems`: broken references, bad waits...') }, { requestBody: defBody })
	},
	'/api/workflows/validate': {
		post: op('Check a definition without publishing it', { '200': ok('{problems}') }, { requestBody: defBody })
	},
	'/api/workflows/{id}': {
		parameters: [W],
		patch: op('Turn a workflow on or off ({enabled})', { '200': ok('{id, enabled}') }, { requestBody: anyBody }),
		delete: op('Delete a workflow (running runs finish on their version)', { '204': { description: 'Deleted.' } })
	},
	'/api/workflows/{id}/versions': {
		parameters: [W],
		post: op('Publish a new version; runs already started finish on theirs', { '201': ok('{id, version}'), '422': ok('`invalid_workflow`') }, { requestBody: defBody })
	},
	'/api/workflows/{id}/runs': {
		parameters: [W],
		get: op("Run history: the step each run is at and its error; a scheduled workflow's occurrences (slot, contacts matched and started, capped)", { '200': ok('{runs, occurrences}') })
	},
	'/api/workflows/{id}/test': {
		parameters: [W],
		post: op('A test run of the newest version against one contact ({contactId})', { '201': ok('{runId}') }, { requestBody: anyBody })
	},
	'/api/contacts/{contactId}/shortcuts': {
		parameters: [C],
		get: op('The shortcuts available for this contact (SPEC S7.7)', { '200': ok('{shortcuts: [{id, name, steps}]}') })
	},
	'/api/contacts/{contactId}/shortcuts/{id}': {
		parameters: [C, W],
		post: op('Start a shortcut for this contact', { '201': ok('{runId}') })
	},
	'/api/contacts/{contactId}/runs': {
		parameters: [C],
		get: op("The contact's running workflows", { '200': ok('{runs}') })
	},
	'/api/contacts/{contactId}/runs/stop': {
		parameters: [C],
		post: op('Stop one running workflow ({runId}) or all ({})', { '200': ok('{stopped}') }, { requestBody: anyBody })
	},
	'/api/contacts/{contactId}/bot': {
		parameters: [C],
		post: op('Turn the bot on or off for this contact ({on}); recorded as a bot_on / bot_off event (SPEC S7.8)', { '200': ok('{on, changed}') }, { requestBody: anyBody })
	},
	'/api/bot': {
		get: op("The bot's settings per channel (owners, managers)", { '200': ok('{channels}') })
	},
	'/api/bot/{channelId}': {
		parameters: [id('channelId', 'The channel id.')],
		patch: op("Set one channel's bot (welcome, office hours and away message, FAQ, hand-over)", { '200': ok('{channelId, config}') }, { requestBody: anyBody })
	}
};
