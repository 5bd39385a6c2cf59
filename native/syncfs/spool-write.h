// What the addon's two ways of committing share (syncfs.c's commit() and
// committer.c): writing one message's files into the spool, reading a message
// from JS, and the error a failed syncfs rejects with. No fsync here: the
// caller's syncfs makes the files durable.
#ifndef MAILROOM_SPOOL_WRITE_H
#define MAILROOM_SPOOL_WRITE_H
#include <node_api.h>
#include <stddef.h>

typedef struct {
  char *data_path, *tmp_path, *env_path;
  const char *data, *env; // point into the JS Buffers, kept alive by the caller
  size_t data_len, env_len;
  int err;
} message;

/**
 * Creates data_path (O_EXCL, mode 0600) with data, then tmp_path with env,
 * renamed to env_path. On failure m->err is the errno and the message's
 * files are removed again; 0 when all three steps succeeded.
 */
void write_message(message *m);

/**
 * Makes everything written to fd's file system before the call durable:
 * syncfs(2), then one more flush of the disk's cache (fdatasync of fd, a
 * directory with nothing dirty). On a file system without a journal (ext2,
 * ext4 without has_journal) syncfs flushes the cache *before* its last
 * metadata writes: the inode table blocks that the data's write-back dirtied
 * again (ext4 converting the new files' unwritten extents, for one), which
 * would otherwise wait in the disk's volatile cache for the next flush.
 * 0, or the errno of the call that failed.
 */
int sync_spool(int fd);

/** Reads [dataPath, data, tmpEnvPath, envelope, envPath]; 0 when it is not that. */
int read_message(napi_env env, napi_value v, message *m);

/** Frees what read_message allocated. */
void free_message(message *m);

/** A non-negative int32 file descriptor; 0 when v is not one. */
int read_fd(napi_env env, napi_value v, int *fd);

/** The Error a failed syncfs rejects with: message "syncfs: ...", code "EIO"..., errno. */
napi_value syncfs_error(napi_env env, int err);

#endif
