/**
 * A test double of the OpenAI chat-completions protocol, on loopback: `POST /v1/chat/completions`
 * answering JSON or, for `stream: true`, server-sent events (`data: {choices:[{delta}]}` ...
 * `data: [DONE]`), with the protocol's error responses (`{error: {message, type}}` and a status).
 * Tests script it: `answer` makes the reply text from the request, `fail` answers the next
 * request with an error, `cutStreamAfter` ends a stream early without `[DONE]`, `delayMs` holds
 * the answer back, `apiKey` requires that Bearer token (401 otherwise). It records every request.
 *
 * The default answer is deterministic and follows the system prompt's asks, so the provider
 * contract suite can run against it like against a model.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
	model: string;
	messages: Array<{ role: string; content: string }>;
	stream?: boolean;
	authorization?: string;
}

export class ChatCompletionsDouble {
	readonly requests: ChatRequest[] = [];
	answer: (req: ChatRequest) => string = defaultAnswer;
	fail: { status: number; message: string } | null = null;
	cutStreamAfter: number | null = null;
	delayMs = 0;
	apiKey: string | null = null;
	#server: Server | null = null;
	url = '';

	async start(): Promise<string> {
		this.#server = createServer((req, res) => void this.#handle(req, res));
		await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
		return this.url;
	}

	async close(): Promise<void> {
		this.#server?.closeAllConnections();
		await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
	}

	async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const c of req) chunks.push(c as Buffer);
		const error = (status: number, message: string, type = 'invalid_request_error') => {
			res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type, code: null } }));
		};
		if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return error(404, `Unknown route ${req.method} ${req.url}`);
		if (this.apiKey && req.headers.authorization !== `Bearer ${this.apiKey}`) return error(401, 'Incorrect API key provided.', 'invalid_api_key');
		let body: ChatRequest;
		try {
			body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
		} catch {
			return error(400, 'We could not parse the JSON body of your request.');
		}
		if (!Array.isArray(body.messages) || typeof body.model !== 'string') return error(400, "'messages' and 'model' are required.");
		this.requests.push({ ...body, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
		if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
		if (res.destroyed) return;
		if (this.fail) {
			const f = this.fail;
			this.fail = null;
			return error(f.status, f.message, f.status >= 500 ? 'server_error' : 'invalid_request_error');
		}
		const text = this.answer(body);
		const id = `chatcmpl-${this.requests.length}`;
		if (!body.stream) {
			res.writeHead(200, { 'content-type': 'application/json' }).end(
				JSON.stringify({ id, object: 'chat.completion', model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] })
			);
			return;
		}
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		const pieces = text.match(/\S+\s*|\s+/g) ?? [];
		const event = (delta: Record<string, unknown>, finish: string | null = null) =>
			`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
		res.write(event({ role: 'assistant', content: '' }));
		for (let i = 0; i < pieces.length; i++) {
			if (this.cutStreamAfter !== null && i >= this.cutStreamAfter) {
				// What was written reaches the client first, then the connection drops.
				await new Promise<void>((r) => res.write('', () => r()));
				await new Promise((r) => setTimeout(r, 50));
				res.destroy();
				return;
			}
			res.write(event({ content: pieces[i] }));
		}
		res.write(event({}, 'stop'));
		res.end('data: [DONE]\n\n');
	}
}

/** Follows the system prompt's form: bullets and actions, a JSON call summary, or the user's text marked. */
export function defaultAnswer(req: ChatRequest): string {
	const system = req.messages.find((m) => m.role === 'system')?.content ?? '';
	const user = req.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
	const lines = user.split('\n').filter(Boolean);
	if (/^Summarize this customer conversation/.test(system)) {
		return [...lines.slice(0, 6).map((l) => `- ${l}`), 'ACTION: follow up with the contact'].join('\n');
	}
	if (/call transcript/.test(system)) {
		return JSON.stringify({ title: `Call: ${lines[0]?.slice(0, 40) ?? ''}`, summary: lines.join(' '), actionItems: [{ text: 'follow up', owner: null }], nextSteps: ['call back'] });
	}
	if (/^Translate/.test(system)) return `[${/into (\w+)/.exec(system)?.[1] ?? '?'}] ${user}`;
	if (/Write the agent's next reply/.test(system)) return 'Hello, thank you for your message. [answer]';
	return `${user.trim()} (edited)`;
}
