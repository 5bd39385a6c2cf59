'use strict';
// syncfs(fd) and commit(messages, fd): see syncfs.c.
module.exports = require('./build/Release/syncfs.node');
