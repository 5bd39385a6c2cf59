// See spool-write.h.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool-write.h"

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

void write_message(message *m) {
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

int sync_spool(int fd) {
  if (syncfs(fd) != 0) return errno;
  if (fdatasync(fd) != 0) return errno;
  return 0;
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

int read_message(napi_env env, napi_value v, message *m) {
  napi_value f[5];
  uint32_t len = 0;
  memset(m, 0, sizeof *m);
  int ok = napi_get_array_length(env, v, &len) == napi_ok && len == 5;
  for (uint32_t k = 0; ok && k < 5; k++) ok = napi_get_element(env, v, k, &f[k]) == napi_ok;
  if (!ok) return 0;
  m->data_path = get_string(env, f[0]);
  m->tmp_path = get_string(env, f[2]);
  m->env_path = get_string(env, f[4]);
  return m->data_path && m->tmp_path && m->env_path && get_buffer(env, f[1], &m->data, &m->data_len) &&
         get_buffer(env, f[3], &m->env, &m->env_len);
}

void free_message(message *m) {
  free(m->data_path);
  free(m->tmp_path);
  free(m->env_path);
}

int read_fd(napi_env env, napi_value v, int *fd) {
  int32_t n;
  if (napi_get_value_int32(env, v, &n) != napi_ok || n < 0) return 0;
  *fd = n;
  return 1;
}

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

napi_value syncfs_error(napi_env env, int err) {
  napi_value value, message, code, errnum;
  char text[160];
  snprintf(text, sizeof text, "syncfs: %s", strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_string_utf8(env, code_of(err), NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, message, &value);
  napi_create_int32(env, -err, &errnum);
  napi_set_named_property(env, value, "errno", errnum);
  return value;
}
