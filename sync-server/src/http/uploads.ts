/**
 * The HTTP routes of uploaded files (SPEC S5.14, S5.6); storage, limits and signed URLs are in
 * `upload-store.ts`.
 *
 * - `POST /api/uploads?contact=<contactId>`: a member who may see the contact stores a file (raw
 *   request body, type in `Content-Type`, original name URI-encoded in `X-File-Name`) into that
 *   contact's conversation; answers `201 {attachment, url}`.
 * - `GET /api/uploads/<storageName>/link`: a fresh signed URL for a member who may see the
 *   file's contact (for `<img>`, `<audio>` and downloads, which cannot send a header).
 * - `GET /api/uploads/<storageName>`: the file, for a bearer access token or a signed URL; the
 *   reader's right is checked on every request (visibility of the contact for users; the
 *   contact itself for its web chat visitor).
 * The web chat visitor's upload route lives with the channels (`channels/service.ts`).
 */
import { contactDocId, isValidContactId } from '../../../src/lib/domain/ids';
import type { UserId } from '../../../src/lib/domain/types';
import type { Visibility } from '../visibility';
import { bearerToken, type Route } from './routes';
import { errorReply, reply, type Reply } from './respond';
import type { Reader, Sidecar, UploadStore } from './upload-store';

export { MAX_UPLOAD_BYTES, type UploadOptions } from './upload-store';

/** Whether `reader` may read a file of `sidecar`'s contact, right now. */
export function mayRead(reader: Reader, sidecar: Sidecar, visibility: Pick<Visibility, 'user' | 'canSee'>): boolean {
	if (reader.kind === 'visitor') return sidecar.contactId !== undefined && reader.contactId === sidecar.contactId;
	const user = visibility.user(reader.userId as UserId);
	if (!user?.active) return false;
	// Files stored before files belonged to a contact: their uploader only.
	if (sidecar.contactId === undefined) return sidecar.uploadedBy === reader.userId || sidecar.uploadedBy === `u:${reader.userId}`;
	return visibility.canSee(user.id, contactDocId(sidecar.contactId));
}

const NOT_FOUND = (): Reply => errorReply(404, 'not_found', 'No such file.');

export function uploadRoutes(store: UploadStore): Route[] {
	return [
		{
			// SPEC S5.14
			method: 'POST',
			path: /^\/api\/uploads$/,
			access: 'member',
			async handle({ req, url, me, deps }) {
				const contact = url.searchParams.get('contact');
				if (!isValidContactId(contact)) {
					req.resume();
					return errorReply(400, 'contact_required', 'Say which conversation the file is for: ?contact=<contactId>.');
				}
				if (!deps.visibility.canSee(me.id, contactDocId(contact))) {
					req.resume();
					return errorReply(403, 'forbidden', 'You may not add files to this conversation.');
				}
				const saved = await store.save(req, { contactId: contact, uploadedBy: `u:${me.id}` });
				if (!saved.ok) return saved.reply;
				const link = store.signedPath(saved.attachment.storageName, { kind: 'user', userId: me.id });
				return reply(201, { attachment: saved.attachment, url: link.url, expiresAt: link.expiresAt });
			}
		},
		{
			method: 'GET',
			path: /^\/api\/uploads\/([^/]+)\/link$/,
			access: 'member',
			async handle({ params, me, deps }) {
				const storageName = params[0] ?? '';
				const sidecar = await store.sidecar(storageName);
				// A file the caller may not read is "not found" too: its existence is not told.
				if (!sidecar || !mayRead({ kind: 'user', userId: me.id }, sidecar, deps.visibility)) return NOT_FOUND();
				return reply(200, store.signedPath(storageName, { kind: 'user', userId: me.id }));
			}
		},
		{
			method: 'GET',
			path: /^\/api\/uploads\/([^/]+)$/,
			access: 'public',
			async handle({ req, url, params, deps }) {
				const storageName = params[0] ?? '';
				let reader: Reader;
				const bearer = bearerToken(req);
				if (bearer || !url.searchParams.has('sig')) {
					const verified = await deps.auth.verify(bearer);
					if (!verified.ok) return errorReply(verified.error.status, verified.error.code, verified.error.message);
					reader = { kind: 'user', userId: verified.value.userId };
				} else {
					const signed = store.verifySigned(storageName, url.searchParams);
					if (!signed.ok) return signed.reply;
					reader = signed.reader;
				}
				const sidecar = await store.sidecar(storageName);
				if (!sidecar || !mayRead(reader, sidecar, deps.visibility)) return NOT_FOUND();
				const file = await store.read(storageName, sidecar);
				if (!file) return NOT_FOUND();
				return reply(200, file.data, file.headers);
			}
		}
	];
}
