// The monitor page's bootstrap. The page starts at once (its controls work from the first paint); the service worker
// registers alongside, so once it is in control (from this visit on, or from a visit to the lab) what the page loads
// is kept for offline visits.
import { controlled } from './sw-register.js';
import './monitor.js';

controlled().catch((error: unknown) => console.warn('offline support unavailable:', error));
