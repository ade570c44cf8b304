/** The API server's kind policy: Kubernetes' defaults and validation from src/api. */
import { applyDefaults } from '../api/defaults/index.js';
import { validateCreate, validateUpdate, validateStatusUpdate } from '../api/validation/index.js';
import type { KindPolicy } from './registry/strategy.js';

export const kindPolicy: KindPolicy = { applyDefaults, validateCreate, validateUpdate, validateStatusUpdate };
