// The folder directories of a Maildir++ root: which folders exist (LIST),
// making one (tmp/ new/ cur/ and the empty `maildirfolder` file that tells
// Maildir++ readers it is a folder), removing and renaming them. Only real
// directories count: a symlink named like a folder is ignored.
import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fixDirMode, modesUnder } from './modes.js';
import { MailroomError } from '../shared/errors.js';
import { syncDir } from './folder-index.js';
import { folderOfDirName, folderPath, parentsOf } from './folder-names.js';

export interface TreeNode {
  /** It has a directory of its own (else it is only a parent: \Noselect). */
  selectable: boolean;
  hasChildren: boolean;
}

/** Every folder of the Maildir and every parent implied by one, INBOX included. */
export async function folderTree(root: string): Promise<Map<string, TreeNode>> {
  const tree = new Map<string, TreeNode>([['INBOX', { selectable: true, hasChildren: false }]]);
  for (const entry of await fsp.readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const name = folderOfDirName(entry.name);
    if (name) tree.set(name, { selectable: true, hasChildren: tree.get(name)?.hasChildren ?? false });
  }
  for (const name of [...tree.keys()]) {
    for (const parent of parentsOf(name)) {
      const node = tree.get(parent);
      if (node) node.hasChildren = true;
      else tree.set(parent, { selectable: false, hasChildren: true });
    }
  }
  return tree;
}

/** Creates a folder's directory; MAILBOX_EXISTS when it is there already. */
export async function makeFolder(root: string, canonical: string): Promise<void> {
  const dir = folderPath(root, canonical);
  const modes = modesUnder(root);
  try {
    await fsp.mkdir(dir, { mode: modes.dir });
    fixDirMode(dir, modes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new MailroomError('MAILBOX_EXISTS', 'data', `mailbox already exists: ${canonical}`);
    throw err;
  }
  for (const sub of ['tmp', 'new', 'cur']) {
    await fsp.mkdir(join(dir, sub), { mode: modes.dir });
    fixDirMode(join(dir, sub), modes);
  }
  await (await fsp.open(join(dir, 'maildirfolder'), constants.O_WRONLY | constants.O_CREAT, modes.file)).close();
  await syncDir(root);
}

/** Removes a folder directory: renamed out of sight first (one atomic step), then deleted. */
export async function removeFolderDir(root: string, dir: string): Promise<void> {
  // "..name" is never a folder (an empty first level), for us or for Dovecot.
  const trash = join(root, `..mailroom-deleted-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  await fsp.rename(dir, trash);
  await syncDir(root);
  await fsp.rm(trash, { recursive: true, force: true });
}

/** Renames folder directories [from, to] (canonical names). */
export async function renameFolderDirs(root: string, moves: ReadonlyArray<readonly [string, string]>): Promise<void> {
  for (const [from, to] of moves) {
    const target = folderPath(root, to);
    // rename(2) would replace an empty directory: make sure nothing is there.
    const there = await fsp.lstat(target).then(
      () => true,
      () => false,
    );
    if (there) throw new MailroomError('MAILBOX_EXISTS', 'data', `mailbox already exists: ${to}`);
    await fsp.rename(folderPath(root, from), target);
  }
  await syncDir(root);
}
