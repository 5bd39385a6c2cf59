// The spool's commit journal (src/spool/FORMAT.md, "Commit journal"): a file
// of fixed size, written in full at creation, so that appending a record is an
// overwrite of allocated blocks and one fdatasync makes it durable — one write
// and one cache flush, where a syncfs writes every new file's blocks, inodes
// and directories and flushes twice (sync_spool in spool-write.h).
//
// A record holds what is needed to write a message's files again (its
// envelope's name in the spool, the envelope, the data). The files themselves
// are written as before, without fsync; a checkpoint (sync_spool, then a new
// generation in the header) makes them durable and empties the journal.
// After a crash of the machine, the daemon writes again the messages of the
// current generation's records (src/spool/journal.ts).
//
// Layout (little-endian):
//   header at 0: "MRJOURN1", u64 generation, boot id (36 bytes, zero-padded),
//                u32 crc32 of the 52 bytes before it
//   records from JOURNAL_START: "MRJR", u32 crc32 of the rest, u64 generation,
//                u32 name length, u32 envelope length, u64 data length,
//                then name, envelope, data
// Records end at the first one that is not whole, of another generation or
// with a wrong crc. A record with an empty envelope and no data is a removal
// record: that message left the queue (committer.c's forget).
#ifndef MAILROOM_JOURNAL_H
#define MAILROOM_JOURNAL_H
#include <stddef.h>
#include <stdint.h>

#include "spool-write.h"

#define JOURNAL_START 4096
#define JOURNAL_HEADER_SIZE 56
#define JOURNAL_RECORD_HEAD 32
#define JOURNAL_BOOT_ID 36

typedef struct {
  int fd; // -1: no journal (every batch is a checkpoint)
  uint64_t generation;
  char boot_id[JOURNAL_BOOT_ID];
  size_t capacity; // the file's size
  size_t offset;   // where the next record goes
  size_t max_record; // larger messages are made durable by a checkpoint
} journal;

/** The bytes m's record takes, or 0 when m is not to be journaled (too large). */
size_t journal_record_size(const journal *j, const message *m);

/** Writes m's record at j->offset (no fsync); 0, or the errno. */
int journal_append(journal *j, const message *m);

/** Makes the records appended so far durable (fdatasync); 0, or the errno. */
int journal_sync(journal *j);

/**
 * Starts the next generation: writes the header and makes it durable, and
 * the journal is empty. Only after a checkpoint (sync_spool) has made every
 * journaled message's files durable. 0, or the errno.
 */
int journal_reset(journal *j);

/** Fills the CRC table: once, from the module's init, before any thread runs. */
void journal_init(void);

/** CRC-32 (as zlib's), crc starting at 0; after journal_init. */
uint32_t journal_crc32(uint32_t crc, const void *buf, size_t len);

#endif
