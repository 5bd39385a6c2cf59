// The spool's group commit for Node.js (Linux):
//
//   syncfs(fd) -> Promise<void>
//     writes every dirty page and inode of the file system holding fd to
//     stable storage: Linux syncfs(2) (since Linux 5.8 it also reports
//     write-back errors), then one more flush of the disk's cache, as on a
//     file system without a journal syncfs's last metadata writes come after
//     its own flush (sync_spool in spool-write.h). Node has no binding for it.
//
//   commit(messages, fd) -> Promise<number[]>
//     messages: [[dataPath, data, tmpEnvPath, envelope, envPath], ...]
//     For each message: creates dataPath (O_EXCL, mode 0600) with data,
//     creates tmpEnvPath with envelope and renames it to envPath; a message
//     that fails at any step is undone (its files removed). Then one syncfs
//     of fd's file system, and a flush after it (sync_spool in
//     spool-write.h), makes every message that was written durable.
//     Resolves with one errno per message (0: written and durable); rejects
//     when the syncfs fails (nothing is known to be durable then).
//
//   openCommitter(fd[, journal]) -> { add(message) -> Promise<number>, close() }
//     the daemon's way: a writer and a flusher thread of their own that
//     batch whatever arrives, with the spool's commit journal (committer.c,
//     journal.h).
//
//   getpeercred(fd) -> { pid, uid, gid }
//     who is at the other end of a connected Unix socket, from the kernel
//     (SO_PEERCRED): the sendmail front end's caller, never what it claims.
//     Node has no binding for it. Throws with the errno on failure.
//
//   crlf(buffer) -> Buffer
//     LF line endings to CRLF for IMAP's FETCH (crlf.c).
//
// syncfs and commit run on the libuv thread pool. Doing the writes off the
// main thread keeps a busy daemon's event loop free for its SMTP sessions.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <node_api.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "committer.h"
#include "crlf.h"
#include "journal.h"
#include "spool-write.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref keep; // the messages array: its buffers stay alive while we write
  int fd;
  int err;
  size_t count;
  message *messages;
} request;

static void run(napi_env env, void *data) {
  (void)env;
  request *r = data;
  int written = 0;
  for (size_t i = 0; i < r->count; i++) {
    write_message(&r->messages[i]);
    if (r->messages[i].err == 0) written++;
  }
  if (r->messages == NULL) r->err = sync_spool(r->fd);
  else if (written > 0) r->err = sync_spool(r->fd);
}

static void free_request(napi_env env, request *r) {
  for (size_t i = 0; i < r->count; i++) free_message(&r->messages[i]);
  free(r->messages);
  if (r->keep) napi_delete_reference(env, r->keep);
  if (r->work) napi_delete_async_work(env, r->work);
  free(r);
}

static void finish(napi_env env, napi_status status, void *data) {
  (void)status;
  request *r = data;
  napi_value value;
  if (r->err == 0) {
    if (r->messages == NULL) {
      napi_get_undefined(env, &value);
    } else {
      napi_create_array_with_length(env, r->count, &value);
      for (size_t i = 0; i < r->count; i++) {
        napi_value e;
        napi_create_int32(env, r->messages[i].err, &e);
        napi_set_element(env, value, (uint32_t)i, e);
      }
    }
    napi_resolve_deferred(env, r->deferred, value);
  } else {
    napi_reject_deferred(env, r->deferred, syncfs_error(env, r->err));
  }
  free_request(env, r);
}

static napi_value start(napi_env env, request *r) {
  napi_value promise, name;
  napi_create_promise(env, &r->deferred, &promise);
  napi_create_string_utf8(env, "mailroom-syncfs", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, run, finish, r, &r->work);
  napi_queue_async_work(env, r->work);
  return promise;
}

static napi_value js_syncfs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !read_fd(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "syncfs(fd): fd must be a file descriptor");
    return NULL;
  }
  request *r = calloc(1, sizeof *r);
  if (r == NULL) {
    napi_throw_error(env, NULL, "syncfs: out of memory");
    return NULL;
  }
  r->fd = fd;
  return start(env, r);
}

static napi_value js_commit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int fd;
  uint32_t count;
  bool is_array;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array || !read_fd(env, argv[1], &fd)) {
    napi_throw_type_error(env, NULL, "commit(messages, fd): an array of messages and a file descriptor");
    return NULL;
  }
  napi_get_array_length(env, argv[0], &count);
  request *r = calloc(1, sizeof *r);
  message *ms = calloc(count ? count : 1, sizeof *ms);
  if (r == NULL || ms == NULL) {
    free(r);
    free(ms);
    napi_throw_error(env, NULL, "commit: out of memory");
    return NULL;
  }
  r->fd = fd;
  r->messages = ms;
  r->count = count;
  for (uint32_t i = 0; i < count; i++) {
    napi_value m;
    if (napi_get_element(env, argv[0], i, &m) != napi_ok || !read_message(env, m, &ms[i])) {
      r->count = i + 1;
      free_request(env, r);
      napi_throw_type_error(env, NULL, "commit: each message is [dataPath, data, tmpEnvPath, envelope, envPath] (strings and Buffers)");
      return NULL;
    }
  }
  napi_create_reference(env, argv[0], 1, &r->keep);
  return start(env, r);
}

static napi_value js_getpeercred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "getpeercred(fd): a socket descriptor");
    return NULL;
  }
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred) {
    int e = errno ? errno : EINVAL;
    char code[16];
    snprintf(code, sizeof code, "%d", e);
    napi_throw_error(env, code, "getpeercred: getsockopt(SO_PEERCRED) failed");
    return NULL;
  }
  napi_value out, v;
  napi_create_object(env, &out);
  napi_create_int32(env, (int32_t)cred.pid, &v);
  napi_set_named_property(env, out, "pid", v);
  napi_create_uint32(env, (uint32_t)cred.uid, &v);
  napi_set_named_property(env, out, "uid", v);
  napi_create_uint32(env, (uint32_t)cred.gid, &v);
  napi_set_named_property(env, out, "gid", v);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  journal_init();
  napi_create_function(env, "syncfs", NAPI_AUTO_LENGTH, js_syncfs, NULL, &fn);
  napi_set_named_property(env, exports, "syncfs", fn);
  napi_create_function(env, "commit", NAPI_AUTO_LENGTH, js_commit, NULL, &fn);
  napi_set_named_property(env, exports, "commit", fn);
  napi_create_function(env, "openCommitter", NAPI_AUTO_LENGTH, js_open_committer, NULL, &fn);
  napi_set_named_property(env, exports, "openCommitter", fn);
  napi_create_function(env, "getpeercred", NAPI_AUTO_LENGTH, js_getpeercred, NULL, &fn);
  napi_set_named_property(env, exports, "getpeercred", fn);
  napi_create_function(env, "crlf", NAPI_AUTO_LENGTH, js_crlf, NULL, &fn);
  napi_set_named_property(env, exports, "crlf", fn);
  return exports;
}
