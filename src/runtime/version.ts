// The package version, read once from package.json.
import { readFileSync } from 'node:fs';
import { packagePath } from '../adapters/fs/package-files.js';

export const VERSION: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
