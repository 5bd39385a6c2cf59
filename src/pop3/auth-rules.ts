// The plain-text login rule now lives in users/plaintext.ts (IMAP applies it too).
export { isLoopback, isPlaintextAllowed, type TransportFacts } from '../users/plaintext.js';
