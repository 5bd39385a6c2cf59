// The spool's group commit for Node.js, on the libuv thread pool:
//
//   syncfs(fd) -> Promise<void>
//     writes every dirty page and inode of the file system holding fd to
//     stable storage (Linux syncfs(2); since Linux 5.8 it also reports
//     write-back errors). Node has no binding for it.
//
//   commit(messages, fd) -> Promise<number[]>
//     messages: [[dataPath, data, tmpEnvPath, envelope, envPath], ...]
//     For each message: creates dataPath (O_EXCL, mode 0600) with data,
//     creates tmpEnvPath with envelope and renames it to envPath; a message
//     that fails at any step is undone (its files removed). Then one syncfs
//     of fd's file system makes every message that was written durable.
//     Resolves with one errno per message (0: written and durable); rejects
//     when the syncfs fails (nothing is known to be durable then).
//
// Doing the writes here rather than on the main thread keeps a busy daemon's
// event loop free for its SMTP sessions.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char *data_path, *tmp_path, *env_path;
  const char *data, *env;
  size_t data_len, env_len;
  int err;
} message;

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref keep; // the messages array: its buffers stay alive while we write
  int fd;
  int err;
  size_t count;
  message *messages;
} request;

static const char *code_of(int err) {
  switch (err) {
    case EBADF: return "EBADF";
    case EIO: return "EIO";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case ENOSYS: return "ENOSYS";
    case EROFS: return "EROFS";
    default: return "EUNKNOWN";
  }
}

static int write_new(const char *path, const char *buf, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, buf + off, len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      unlink(path);
      return e;
    }
    off += (size_t)n;
  }
  if (close(fd) != 0 && errno != EINTR) {
    int e = errno;
    unlink(path);
    return e;
  }
  return 0;
}

static void write_message(message *m) {
  if ((m->err = write_new(m->data_path, m->data, m->data_len)) != 0) return;
  if ((m->err = write_new(m->tmp_path, m->env, m->env_len)) != 0) {
    unlink(m->data_path);
    return;
  }
  if (rename(m->tmp_path, m->env_path) != 0) {
    m->err = errno;
    unlink(m->tmp_path);
    unlink(m->data_path);
  }
}

static void run(napi_env env, void *data) {
  (void)env;
  request *r = data;
  int written = 0;
  for (size_t i = 0; i < r->count; i++) {
    write_message(&r->messages[i]);
    if (r->messages[i].err == 0) written++;
  }
  if (r->messages == NULL || written > 0) r->err = syncfs(r->fd) == 0 ? 0 : errno;
}

static void free_request(napi_env env, request *r) {
  for (size_t i = 0; i < r->count; i++) {
    free(r->messages[i].data_path);
    free(r->messages[i].tmp_path);
    free(r->messages[i].env_path);
  }
  free(r->messages);
  if (r->keep) napi_delete_reference(env, r->keep);
  napi_delete_async_work(env, r->work);
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
    napi_value message, code, errnum;
    char text[160];
    snprintf(text, sizeof text, "syncfs: %s", strerror(r->err));
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
    napi_create_string_utf8(env, code_of(r->err), NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, message, &value);
    napi_create_int32(env, -r->err, &errnum);
    napi_set_named_property(env, value, "errno", errnum);
    napi_reject_deferred(env, r->deferred, value);
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

static int get_fd(napi_env env, napi_value v, int *fd) {
  int32_t n;
  if (napi_get_value_int32(env, v, &n) != napi_ok || n < 0) return 0;
  *fd = n;
  return 1;
}

static char *get_string(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s != NULL) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static int get_buffer(napi_env env, napi_value v, const char **buf, size_t *len) {
  void *p;
  if (napi_get_buffer_info(env, v, &p, len) != napi_ok) return 0;
  *buf = p;
  return 1;
}

static napi_value js_syncfs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !get_fd(env, argv[0], &fd)) {
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
  if (argc < 2 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array || !get_fd(env, argv[1], &fd)) {
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
    napi_value m, v[5];
    uint32_t len = 0;
    int ok = napi_get_element(env, argv[0], i, &m) == napi_ok && napi_get_array_length(env, m, &len) == napi_ok && len == 5;
    for (uint32_t k = 0; ok && k < 5; k++) ok = napi_get_element(env, m, k, &v[k]) == napi_ok;
    if (ok) {
      ms[i].data_path = get_string(env, v[0]);
      ms[i].tmp_path = get_string(env, v[2]);
      ms[i].env_path = get_string(env, v[4]);
      ok = ms[i].data_path && ms[i].tmp_path && ms[i].env_path && get_buffer(env, v[1], &ms[i].data, &ms[i].data_len) &&
           get_buffer(env, v[3], &ms[i].env, &ms[i].env_len);
    }
    if (!ok) {
      r->count = i + 1;
      free_request(env, r);
      napi_throw_type_error(env, NULL, "commit: each message is [dataPath, data, tmpEnvPath, envelope, envPath] (strings and Buffers)");
      return NULL;
    }
  }
  napi_create_reference(env, argv[0], 1, &r->keep);
  return start(env, r);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "syncfs", NAPI_AUTO_LENGTH, js_syncfs, NULL, &fn);
  napi_set_named_property(env, exports, "syncfs", fn);
  napi_create_function(env, "commit", NAPI_AUTO_LENGTH, js_commit, NULL, &fn);
  napi_set_named_property(env, exports, "commit", fn);
  return exports;
}
