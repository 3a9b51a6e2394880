// SPEC S5.14
import { describe, expect, it } from 'vitest';
import { attachmentBodyType, attachmentKind } from './attachments';

describe('attachments', () => {
	it('shows raster images as images, audio as audio, SVG and the rest as files', () => {
		expect(attachmentKind('image/png')).toBe('image');
		expect(attachmentKind('image/svg+xml')).toBe('file');
		expect(attachmentKind('audio/mpeg')).toBe('audio');
		expect(attachmentKind('video/mp4')).toBe('video');
		expect(attachmentKind('application/pdf')).toBe('file');
	});
	it('a message of files takes their shared kind, else file', () => {
		expect(attachmentBodyType([{ mime: 'image/png' }, { mime: 'image/jpeg' }])).toBe('image');
		expect(attachmentBodyType([{ mime: 'image/png' }, { mime: 'application/pdf' }])).toBe('file');
		expect(attachmentBodyType([{ mime: 'audio/ogg' }])).toBe('audio');
	});
});
