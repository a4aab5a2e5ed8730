import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// zod 4 copies a type's methods onto each schema as it is built, so `.openapi()` exists only
// on schemas created after this runs. http/schemas.ts imports this module first, and every
// feature's schemas import http/schemas, so the extension is in place before any of them.
// It only adds metadata methods: parsing is unchanged.
extendZodWithOpenApi(z);
