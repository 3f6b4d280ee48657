// The voice-activity page's bootstrap: the service worker first (sw-register.ts), then the page itself through it.
import { startControlled } from './sw-register.js';

void startControlled(() => import('./vad-app.js'));
