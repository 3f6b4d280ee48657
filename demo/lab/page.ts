// The lab page's entry: the service worker first (so everything after goes through it and works offline on the
// next visit), then the page itself (app.ts).
import { startControlled } from '../sw-register.js';

void startControlled(() => import('./app.js'));
