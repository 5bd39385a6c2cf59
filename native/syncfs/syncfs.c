// syncfs(fd) for Node.js: writes every dirty page and inode of the file
// system holding fd to stable storage, on the libuv thread pool, and resolves
// a promise. mailroom's spool uses it as its group commit: one call makes a
// whole batch of new queue files durable (Linux syncfs(2); since Linux 5.8 it
// also reports write-back errors). Node has no binding for it.
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int fd;
  int err;
} request;

static const char *code_of(int err) {
  switch (err) {
    case EBADF: return "EBADF";
    case EIO: return "EIO";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case ENOSYS: return "ENOSYS";
    default: return "EUNKNOWN";
  }
}

static void run(napi_env env, void *data) {
  (void)env;
  request *r = data;
  r->err = syncfs(r->fd) == 0 ? 0 : errno;
}

static void finish(napi_env env, napi_status status, void *data) {
  (void)status;
  request *r = data;
  napi_value value;
  if (r->err == 0) {
    napi_get_undefined(env, &value);
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
  napi_delete_async_work(env, r->work);
  free(r);
}

static napi_value js_syncfs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], promise, name;
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "syncfs(fd): fd must be a file descriptor");
    return NULL;
  }
  request *r = calloc(1, sizeof *r);
  if (r == NULL) {
    napi_throw_error(env, NULL, "syncfs: out of memory");
    return NULL;
  }
  r->fd = fd;
  napi_create_promise(env, &r->deferred, &promise);
  napi_create_string_utf8(env, "syncfs", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, run, finish, r, &r->work);
  napi_queue_async_work(env, r->work);
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "syncfs", NAPI_AUTO_LENGTH, js_syncfs, NULL, &fn);
  napi_set_named_property(env, exports, "syncfs", fn);
  return exports;
}
