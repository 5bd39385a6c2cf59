// A spool's committer: two threads of its own that commit whatever arrives.
//
//   openCommitter(fd[, journal]) -> committer
//     journal: { fd, generation, capacity, bootId } of the spool's commit
//     journal (journal.h), opened, replayed and emptied by the caller
//   committer.add([dataPath, data, tmpEnvPath, envelope, envPath]) -> Promise<number>
//     resolves with 0 once the message is written and durable, or with the
//     errno of the write that failed (the message's files are removed then);
//     rejects when the syncfs that was to make it durable failed.
//   committer.forget(envPath)
//     the message whose envelope was envPath has left the queue: a removal
//     record in the journal, so that a replay after a crash of the machine
//     does not bring it back (journal.h). Written with the next batch's
//     records, or not at all when the journal holds no record by then.
//   committer.close()
//     commits what was added, stops the threads (the last promises settle
//     after close returns).
//
// The writer thread writes each message as it arrives (as commit() does:
// data, then the envelope renamed into place, no fsync) and passes it to the
// flusher thread, which makes everything written so far durable and reports
// those messages to the main thread. While one flush runs, the next messages
// are already being written, and the next flush starts as soon as the last
// one returns — without waiting for the event loop to hear of it, which on a
// busy daemon can add more than half a flush.
//
// With a journal, the flusher appends a record of each message to it and
// makes the records durable with one fdatasync. It makes the files themselves
// durable (a checkpoint: sync_spool in spool-write.h, which is what it does
// for every batch without a journal) and empties the journal when a batch
// does not fit in it or has a message too large for it, when its oldest
// record is MAX_AGE_S old, when no message came for IDLE_NS, and at close.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "committer.h"
#include "journal.h"
#include "spool-write.h"

// A checkpoint at the latest this long after the first record of a
// generation, and after this long without a message: they bound what a crash
// of the machine can bring back of mail delivered since (journal.ts).
#define MAX_AGE_S 2.0
#define IDLE_NS 500000000L
#define MAX_RECORD (256 * 1024)

typedef struct job {
  struct job *next;
  message m;
  int removal; // forget(): no files to write, no promise; a removal record
  napi_deferred deferred;
  napi_ref keep; // the message array: its Buffers stay alive while we write
  int flush_err;
} job;

typedef struct {
  job *head, *tail;
} list;

typedef struct {
  int fd;
  pthread_mutex_t mu;
  pthread_cond_t to_write, to_flush;
  list queued, written; // under mu
  int stopping, writer_done; // under mu
  pthread_t writer, flusher;
  journal jr; // the flusher's alone once the threads run
  double first_record; // when the journal's first record of this generation was written
  napi_threadsafe_function tsfn;
  // main thread only:
  size_t pending; // added, not yet settled (the tsfn keeps the loop alive while > 0)
  int closed, joined;
  int owners; // the JS object and the tsfn: freed when both are finalized
} committer;

static void append(list *to, list *from) {
  if (from->head == NULL) return;
  if (to->tail) to->tail->next = from->head;
  else to->head = from->head;
  to->tail = from->tail;
}

static void *writer_main(void *arg) {
  committer *c = arg;
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (c->queued.head == NULL && !c->stopping) pthread_cond_wait(&c->to_write, &c->mu);
    if (c->queued.head == NULL) break;
    list batch = c->queued;
    c->queued = (list){0};
    pthread_mutex_unlock(&c->mu);
    for (job *j = batch.head; j; j = j->next)
      if (!j->removal) write_message(&j->m);
    pthread_mutex_lock(&c->mu);
    append(&c->written, &batch);
    pthread_cond_signal(&c->to_flush);
  }
  c->writer_done = 1;
  pthread_cond_signal(&c->to_flush);
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int journal_pending(const committer *c) {
  return c->jr.fd >= 0 && c->jr.offset > JOURNAL_START;
}

// Makes everything written so far durable, then empties the journal (its
// records' files are durable now). 0, or the errno of the sync.
static int checkpoint(committer *c) {
  int err = sync_spool(c->fd);
  // A journal that cannot be emptied is given up: every batch is a checkpoint from now on.
  if (err == 0 && journal_pending(c) && journal_reset(&c->jr) != 0) c->jr.fd = -1;
  return err;
}

// Appends the batch's removal records where they can matter: only while the
// journal holds records (a message's own record is always in an earlier
// batch); they become durable with the next fdatasync or are made needless by
// the next checkpoint.
static int append_removals(committer *c, job *head) {
  for (job *j = head; j; j = j->next) {
    if (!j->removal || !journal_pending(c)) continue;
    size_t n = journal_record_size(&c->jr, &j->m);
    if (n == 0 || c->jr.offset + n > c->jr.capacity) continue; // the next batch will not fit: a checkpoint
    if (journal_append(&c->jr, &j->m) != 0) return -1;
  }
  return 0;
}

// Makes a batch's written messages durable: their records in the journal and
// one fdatasync, or a checkpoint. 0, or the errno of the sync that failed.
static int flush_batch(committer *c, job *head) {
  size_t need = 0;
  int any = 0, all_fit = 1;
  for (job *j = head; j; j = j->next) {
    if (j->m.err != 0 || j->removal) continue;
    any = 1;
    size_t n = journal_record_size(&c->jr, &j->m);
    if (n == 0) all_fit = 0;
    need += n;
  }
  double now = now_s();
  if (!any) {
    if (journal_pending(c) && now - c->first_record > MAX_AGE_S) return checkpoint(c);
    return append_removals(c, head) == 0 ? 0 : checkpoint(c);
  }
  if (!all_fit || c->jr.offset + need > c->jr.capacity || (journal_pending(c) && now - c->first_record > MAX_AGE_S)) return checkpoint(c);
  if (!journal_pending(c)) c->first_record = now;
  for (job *j = head; j; j = j->next)
    if (j->m.err == 0 && !j->removal && journal_append(&c->jr, &j->m) != 0) return checkpoint(c);
  if (append_removals(c, head) != 0) return checkpoint(c);
  return journal_sync(&c->jr) == 0 ? 0 : checkpoint(c);
}

// Under mu: waits for written messages; a checkpoint when none come for IDLE_NS.
static void wait_for_written(committer *c) {
  while (c->written.head == NULL && !c->writer_done) {
    if (!journal_pending(c)) {
      pthread_cond_wait(&c->to_flush, &c->mu);
      continue;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_nsec += IDLE_NS;
    if (t.tv_nsec >= 1000000000L) {
      t.tv_sec++;
      t.tv_nsec -= 1000000000L;
    }
    if (pthread_cond_timedwait(&c->to_flush, &c->mu, &t) == ETIMEDOUT && c->written.head == NULL && !c->writer_done) {
      pthread_mutex_unlock(&c->mu);
      checkpoint(c); // a failure leaves the records: they are tried again
      pthread_mutex_lock(&c->mu);
    }
  }
}

static void *flusher_main(void *arg) {
  committer *c = arg;
  pthread_mutex_lock(&c->mu);
  for (;;) {
    wait_for_written(c);
    if (c->written.head == NULL) break;
    list batch = c->written; // all written before this flush starts
    c->written = (list){0};
    pthread_mutex_unlock(&c->mu);
    int err = flush_batch(c, batch.head);
    for (job *j = batch.head; j; j = j->next) j->flush_err = err;
    napi_call_threadsafe_function(c->tsfn, batch.head, napi_tsfn_blocking); // unbounded: never blocks
    pthread_mutex_lock(&c->mu);
  }
  pthread_mutex_unlock(&c->mu);
  if (journal_pending(c)) checkpoint(c); // at close: nothing left to replay
  return NULL;
}

static void release_owner(committer *c) {
  if (--c->owners > 0) return;
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->to_write);
  pthread_cond_destroy(&c->to_flush);
  free(c);
}

// Tells the writer to stop once its queue is empty (the flusher follows it).
static void request_stop(committer *c) {
  pthread_mutex_lock(&c->mu);
  c->stopping = 1;
  pthread_cond_signal(&c->to_write);
  pthread_mutex_unlock(&c->mu);
}

static void stop(committer *c) {
  if (c->joined) return;
  request_stop(c);
  pthread_join(c->writer, NULL);
  pthread_join(c->flusher, NULL);
  c->joined = 1;
}

// At the environment's teardown without close(): the threads must not outlive it.
static void on_teardown(void *arg) {
  stop(arg);
}

// Main thread: settles a flushed batch.
static void settle(napi_env env, napi_value fn, void *context, void *data) {
  (void)fn;
  committer *c = context;
  for (job *j = data, *next; j; j = next) {
    next = j->next;
    if (env != NULL && !j->removal) {
      if (j->flush_err != 0) {
        napi_reject_deferred(env, j->deferred, syncfs_error(env, j->flush_err));
      } else {
        napi_value v;
        napi_create_int32(env, j->m.err, &v);
        napi_resolve_deferred(env, j->deferred, v);
      }
      napi_delete_reference(env, j->keep);
      if (--c->pending == 0 && !c->closed) napi_unref_threadsafe_function(env, c->tsfn);
    }
    free_message(&j->m);
    free(j);
  }
}

// The tsfn's finalizer and the JS object's: each releases its share.
static void owner_finalized(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release_owner(data);
}

static committer *this_committer(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *c = NULL;
  napi_get_cb_info(env, info, argc, argv, &self, NULL);
  if (napi_unwrap(env, self, &c) != napi_ok || c == NULL) {
    napi_throw_type_error(env, NULL, "not a committer");
    return NULL;
  }
  return c;
}

// Main thread: hands a job to the writer.
static void enqueue(committer *c, job *j) {
  pthread_mutex_lock(&c->mu);
  list one = {j, j};
  append(&c->queued, &one);
  pthread_cond_signal(&c->to_write);
  pthread_mutex_unlock(&c->mu);
}

static napi_value js_add(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], promise;
  committer *c = this_committer(env, info, &argc, argv);
  if (c == NULL) return NULL;
  if (c->closed) {
    napi_throw_error(env, NULL, "committer: closed");
    return NULL;
  }
  job *j = calloc(1, sizeof *j);
  if (j == NULL) {
    napi_throw_error(env, NULL, "committer: out of memory");
    return NULL;
  }
  if (argc < 1 || !read_message(env, argv[0], &j->m)) {
    free_message(&j->m);
    free(j);
    napi_throw_type_error(env, NULL, "add(message): [dataPath, data, tmpEnvPath, envelope, envPath] (strings and Buffers)");
    return NULL;
  }
  napi_create_reference(env, argv[0], 1, &j->keep);
  napi_create_promise(env, &j->deferred, &promise);
  if (c->pending++ == 0) napi_ref_threadsafe_function(env, c->tsfn);
  enqueue(c, j);
  return promise;
}

static napi_value js_forget(napi_env env, napi_callback_info info) {
  size_t argc = 1, len;
  napi_value argv[1];
  committer *c = this_committer(env, info, &argc, argv);
  if (c == NULL || c->closed) return NULL;
  job *j = calloc(1, sizeof *j);
  if (j == NULL) return NULL; // only a replay's duplicate is at stake
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok || (j->m.env_path = malloc(len + 1)) == NULL) {
    free(j);
    napi_throw_type_error(env, NULL, "forget(envPath): a string");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], j->m.env_path, len + 1, &len);
  j->removal = 1;
  enqueue(c, j);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  committer *c = this_committer(env, info, &argc, NULL);
  if (c == NULL) return NULL;
  if (!c->closed) {
    c->closed = 1;
    stop(c);
    napi_remove_env_cleanup_hook(env, on_teardown, c);
    // Batches still queued for settle() are delivered before the tsfn goes.
    napi_release_threadsafe_function(c->tsfn, napi_tsfn_release);
  }
  return NULL;
}

static int start_threads(committer *c) {
  // The threads take no signals: they are Node's main thread's business.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int err = pthread_create(&c->writer, NULL, writer_main, c);
  if (err == 0) {
    err = pthread_create(&c->flusher, NULL, flusher_main, c);
    if (err != 0) {
      request_stop(c);
      pthread_join(c->writer, NULL);
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return err;
}

// Reads { fd, generation, capacity, bootId } into jr; 0 when v is not that.
static int read_journal(napi_env env, napi_value v, journal *jr) {
  napi_value f[4];
  const char *keys[4] = {"fd", "generation", "capacity", "bootId"};
  for (int k = 0; k < 4; k++)
    if (napi_get_named_property(env, v, keys[k], &f[k]) != napi_ok) return 0;
  double generation, capacity;
  size_t len;
  char boot[JOURNAL_BOOT_ID + 1] = {0};
  if (!read_fd(env, f[0], &jr->fd) || napi_get_value_double(env, f[1], &generation) != napi_ok ||
      napi_get_value_double(env, f[2], &capacity) != napi_ok ||
      napi_get_value_string_latin1(env, f[3], boot, sizeof boot, &len) != napi_ok)
    return 0;
  if (generation < 0 || capacity < JOURNAL_START * 2) return 0;
  jr->generation = (uint64_t)generation;
  jr->capacity = (size_t)capacity;
  jr->offset = JOURNAL_START;
  jr->max_record = (jr->capacity - JOURNAL_START) / 4 < MAX_RECORD ? (jr->capacity - JOURNAL_START) / 4 : MAX_RECORD;
  memcpy(jr->boot_id, boot, JOURNAL_BOOT_ID);
  return 1;
}

napi_value js_open_committer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], obj, fn, name;
  napi_valuetype type = napi_undefined;
  int fd;
  journal jr = {.fd = -1};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 2) napi_typeof(env, argv[1], &type);
  if (argc < 1 || !read_fd(env, argv[0], &fd) || (type != napi_undefined && !read_journal(env, argv[1], &jr))) {
    napi_throw_type_error(env, NULL, "openCommitter(fd[, journal]): a file descriptor, and { fd, generation, capacity, bootId }");
    return NULL;
  }
  committer *c = calloc(1, sizeof *c);
  if (c == NULL) {
    napi_throw_error(env, NULL, "openCommitter: out of memory");
    return NULL;
  }
  c->fd = fd;
  c->jr = jr;
  pthread_condattr_t monotonic;
  pthread_condattr_init(&monotonic);
  pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->to_write, NULL);
  pthread_cond_init(&c->to_flush, &monotonic);
  pthread_condattr_destroy(&monotonic);
  napi_create_string_utf8(env, "mailroom-committer", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, c, owner_finalized, c, settle, &c->tsfn) != napi_ok) {
    c->owners = 1;
    release_owner(c);
    napi_throw_error(env, NULL, "openCommitter: cannot create its thread-safe function");
    return NULL;
  }
  c->owners = 1; // the tsfn
  napi_unref_threadsafe_function(env, c->tsfn);
  int err = start_threads(c);
  if (err != 0) {
    c->closed = c->joined = 1;
    napi_release_threadsafe_function(c->tsfn, napi_tsfn_release);
    napi_throw_error(env, NULL, "openCommitter: cannot start its threads");
    return NULL;
  }
  napi_add_env_cleanup_hook(env, on_teardown, c);
  napi_create_object(env, &obj);
  napi_wrap(env, obj, c, owner_finalized, NULL, NULL);
  c->owners++;
  napi_create_function(env, "add", NAPI_AUTO_LENGTH, js_add, NULL, &fn);
  napi_set_named_property(env, obj, "add", fn);
  napi_create_function(env, "forget", NAPI_AUTO_LENGTH, js_forget, NULL, &fn);
  napi_set_named_property(env, obj, "forget", fn);
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, js_close, NULL, &fn);
  napi_set_named_property(env, obj, "close", fn);
  return obj;
}
