// A spool's committer: two threads of its own that commit whatever arrives.
//
//   openCommitter(fd) -> committer
//   committer.add([dataPath, data, tmpEnvPath, envelope, envPath]) -> Promise<number>
//     resolves with 0 once the message is written and durable, or with the
//     errno of the write that failed (the message's files are removed then);
//     rejects when the syncfs that was to make it durable failed.
//   committer.close()
//     commits what was added, stops the threads (the last promises settle
//     after close returns).
//
// The writer thread writes each message as it arrives (as commit() does:
// data, then the envelope renamed into place, no fsync) and passes it to the
// flusher thread, which calls syncfs on fd's file system (and flushes the
// disk's cache once more: sync_spool in spool-write.h) for everything written
// before that syncfs started, and reports those messages to the main thread. While one syncfs runs, the next messages are already being written,
// and the next syncfs starts as soon as the last one returns — without
// waiting for the event loop to hear of it, which on a busy daemon can add
// more than half a flush.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "committer.h"
#include "spool-write.h"

typedef struct job {
  struct job *next;
  message m;
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
    for (job *j = batch.head; j; j = j->next) write_message(&j->m);
    pthread_mutex_lock(&c->mu);
    append(&c->written, &batch);
    pthread_cond_signal(&c->to_flush);
  }
  c->writer_done = 1;
  pthread_cond_signal(&c->to_flush);
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

static void *flusher_main(void *arg) {
  committer *c = arg;
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (c->written.head == NULL && !c->writer_done) pthread_cond_wait(&c->to_flush, &c->mu);
    if (c->written.head == NULL) break;
    list batch = c->written; // all written before this syncfs starts
    c->written = (list){0};
    pthread_mutex_unlock(&c->mu);
    int any = 0;
    for (job *j = batch.head; j; j = j->next) any |= j->m.err == 0;
    int err = any ? sync_spool(c->fd) : 0;
    for (job *j = batch.head; j; j = j->next) j->flush_err = err;
    napi_call_threadsafe_function(c->tsfn, batch.head, napi_tsfn_blocking); // unbounded: never blocks
    pthread_mutex_lock(&c->mu);
  }
  pthread_mutex_unlock(&c->mu);
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
    if (env != NULL) {
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
  pthread_mutex_lock(&c->mu);
  list one = {j, j};
  append(&c->queued, &one);
  pthread_cond_signal(&c->to_write);
  pthread_mutex_unlock(&c->mu);
  return promise;
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

napi_value js_open_committer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], obj, fn, name;
  int fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !read_fd(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "openCommitter(fd): fd must be a file descriptor");
    return NULL;
  }
  committer *c = calloc(1, sizeof *c);
  if (c == NULL) {
    napi_throw_error(env, NULL, "openCommitter: out of memory");
    return NULL;
  }
  c->fd = fd;
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->to_write, NULL);
  pthread_cond_init(&c->to_flush, NULL);
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
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, js_close, NULL, &fn);
  napi_set_named_property(env, obj, "close", fn);
  return obj;
}
