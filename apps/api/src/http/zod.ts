import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// zod 4 copies a type's methods onto each schema as it is built, so `.openapi()` exists only
// on schemas created after the extension. Every schema of the API takes its `z` from here,
// which extends it first. It only adds metadata methods: parsing is unchanged.
extendZodWithOpenApi(z);

export { z };
