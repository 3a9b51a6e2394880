/**
 * Vitest setup file: the temporary directories a test file made with `tempDir` are removed when
 * the file ends, after its own afterAll hooks (hooks run as a stack: this one, registered first,
 * runs last), whether or not the test removed them itself.
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp';

afterAll(removeTempDirs);
