'use strict';
// syncfs(fd) -> Promise<void>: every dirty page and inode of the file system
// holding fd is on stable storage when it resolves (Linux syncfs(2), run on
// the libuv thread pool). Rejects with an Error carrying errno/code.
module.exports = require('./build/Release/syncfs.node');
