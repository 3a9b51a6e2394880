/**
 * SPEC S5.14: how a file of a message is shown and what body type a message of files gets.
 * Raster images are thumbnails, audio gets a player, video a player, everything else a file
 * card that downloads with its original name. SVG is not an image here: it can hold script.
 */
import type { Attachment, MessageBodyType } from './types';

export type AttachmentKind = 'image' | 'audio' | 'video' | 'file';

const IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function attachmentKind(mime: string): AttachmentKind {
	if (IMAGES.has(mime)) return 'image';
	if (mime.startsWith('audio/')) return 'audio';
	if (mime === 'video/mp4' || mime === 'video/webm') return 'video';
	return 'file';
}

/** The body type of a message made only of files: its files' kind when they share one, else `file`. */
export function attachmentBodyType(files: readonly Pick<Attachment, 'mime'>[]): MessageBodyType {
	const kinds = new Set(files.map((f) => attachmentKind(f.mime)));
	return kinds.size === 1 ? [...kinds][0]! : 'file';
}
