// See journal.h.
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "journal.h"

static uint32_t crc_table[256];

void journal_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

// CRC-32 (IEEE 802.3, as zlib's crc32): crc starts at 0.
uint32_t journal_crc32(uint32_t crc, const void *buf, size_t len) {
  const unsigned char *p = buf;
  crc = ~crc;
  while (len--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static void put32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

// The envelope's name in the spool: the last two components of its path ("incoming/<id>.env").
static const char *spool_name(const char *path) {
  const char *last = strrchr(path, '/');
  if (last == NULL) return path;
  const char *p = last;
  while (p > path && p[-1] != '/') p--;
  return p;
}

size_t journal_record_size(const journal *j, const message *m) {
  size_t n = JOURNAL_RECORD_HEAD + strlen(spool_name(m->env_path)) + m->env_len + m->data_len;
  return j->fd >= 0 && n <= j->max_record ? n : 0;
}

static int pwrite_all(int fd, struct iovec *iov, int count, off_t off) {
  while (count > 0) {
    ssize_t n = pwritev(fd, iov, count, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    off += n;
    while (count > 0 && (size_t)n >= iov->iov_len) {
      n -= (ssize_t)iov->iov_len;
      iov++;
      count--;
    }
    if (count > 0) {
      iov->iov_base = (char *)iov->iov_base + n;
      iov->iov_len -= (size_t)n;
    }
  }
  return 0;
}

int journal_append(journal *j, const message *m) {
  const char *name = spool_name(m->env_path);
  size_t name_len = strlen(name);
  unsigned char head[JOURNAL_RECORD_HEAD];
  memcpy(head, "MRJR", 4);
  put64(head + 8, j->generation);
  put32(head + 16, (uint32_t)name_len);
  put32(head + 20, (uint32_t)m->env_len);
  put64(head + 24, m->data_len);
  uint32_t crc = journal_crc32(0, head + 8, JOURNAL_RECORD_HEAD - 8);
  crc = journal_crc32(crc, name, name_len);
  crc = journal_crc32(crc, m->env, m->env_len);
  crc = journal_crc32(crc, m->data, m->data_len);
  put32(head + 4, crc);
  struct iovec iov[4] = {
      {head, sizeof head},
      {(void *)name, name_len},
      {(void *)m->env, m->env_len},
      {(void *)m->data, m->data_len},
  };
  int err = pwrite_all(j->fd, iov, 4, (off_t)j->offset);
  if (err == 0) j->offset += sizeof head + name_len + m->env_len + m->data_len;
  return err;
}

int journal_sync(journal *j) {
  return fdatasync(j->fd) == 0 ? 0 : errno;
}

int journal_reset(journal *j) {
  unsigned char h[JOURNAL_HEADER_SIZE] = {0};
  memcpy(h, "MRJOURN1", 8);
  put64(h + 8, j->generation + 1);
  memcpy(h + 16, j->boot_id, JOURNAL_BOOT_ID);
  put32(h + 52, journal_crc32(0, h, 52));
  struct iovec iov = {h, sizeof h};
  int err = pwrite_all(j->fd, &iov, 1, 0);
  if (err == 0) err = journal_sync(j);
  if (err != 0) return err;
  j->generation++;
  j->offset = JOURNAL_START;
  return 0;
}
