// The import graph of src/, checked by `npm run depcheck` (part of `npm test`).
// One folder per stage; a stage imports only the stages below it and shared/.
// From the bottom: shared/ (imports nothing of ours); message/ and config/;
// users/, mailbox/ and spool/; relay/ (it queues bounces, so it is above
// spool/); route/ (`sendmail -bv` names the relay's smart hosts with the
// relay's own relay/targets.ts); local/; pop3/ and imap/ (the mailbox store,
// users, and the configuration's types); schedule/; admin/; submit/ (never the
// delivery stages); install/; daemon/ (wires everything); cli/.
// No cycles between files, type-only imports included.

/** What each stage may import besides itself and shared/. */
const allowed = {
  shared: [],
  message: [],
  config: [],
  users: [],
  mailbox: ['message'],
  spool: ['message', 'config'],
  relay: ['message', 'config', 'spool'],
  route: ['message', 'config', 'users', 'relay'],
  local: ['message', 'config', 'route', 'spool'],
  pop3: ['mailbox', 'users', 'config', 'message'],
  imap: ['mailbox', 'users', 'config', 'message'],
  schedule: ['message', 'config', 'spool', 'route', 'relay', 'local'],
  admin: ['message', 'config', 'spool'],
  submit: ['message', 'config', 'users', 'spool', 'route', 'admin'],
  install: ['config', 'spool', 'users'],
  daemon: ['message', 'config', 'users', 'mailbox', 'spool', 'relay', 'route', 'local', 'pop3', 'imap', 'schedule', 'admin', 'submit'],
  cli: ['message', 'config', 'users', 'mailbox', 'spool', 'relay', 'route', 'local', 'pop3', 'imap', 'schedule', 'admin', 'submit', 'install', 'daemon'],
};

const stageRules = Object.entries(allowed).map(([stage, may]) => ({
  name: `${stage}-imports-only-lower-stages`,
  comment: `src/${stage}/ may import only ${['shared', ...may].map((s) => `${s}/`).join(', ')}`,
  severity: 'error',
  from: { path: `^src/${stage}/` },
  to: { path: '^src/', pathNot: `^src/(${[stage, 'shared', ...may].join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...stageRules,
    {
      name: 'route-uses-only-relay-targets',
      comment: 'route/ reads the relay only for its choice of smart hosts (relay/targets.ts)',
      severity: 'error',
      from: { path: '^src/route/' },
      to: { path: '^src/relay/', pathNot: '^src/relay/targets\\.ts$' },
    },
    {
      name: 'protocol-servers-read-config-types-only',
      comment: 'pop3/ and imap/ are given their settings; they import only the configuration types',
      severity: 'error',
      from: { path: '^src/(pop3|imap)/' },
      to: { path: '^src/config/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'socket-not-sendmail',
      comment: 'the SMTP socket shares submit/compose.ts and submit/sanitize.ts with sendmail, not sendmail/ itself',
      severity: 'error',
      from: { path: '^src/submit/socket/' },
      to: { path: '^src/submit/sendmail/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|native)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
