/**
 * Imported first by each worker module, for its side effect. Starting a worker thread puts V8's
 * young-generation growth factor back to its default for the whole process (see
 * keepYoungGenerationsSmall); set it again before anything else of the worker loads, so that
 * neither this thread nor the others grow their young generation in the meantime (when it was set
 * after the engine had loaded, the analysis thread's young generation had sometimes already doubled).
 */
import { keepYoungGenerationsSmall } from '../idle-gc.js';

keepYoungGenerationsSmall();
