// Imported first by src/main.ts: keeps V8's young generation at its initial size from the
// start (see young-generation.ts; the config can release it later).
import { pinYoungGeneration } from './young-generation.ts';

pinYoungGeneration();
