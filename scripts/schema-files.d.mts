// Types of scripts/schema-files.mjs for the TypeScript tests that import it.
import type { Kind } from '../src/core/model.js';

export declare const KIND_SCHEMA_FILES: Readonly<Record<Kind, string>>;
export declare const COMBINED_SCHEMA_FILE: string;
