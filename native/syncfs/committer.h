// openCommitter(fd): see committer.c.
#ifndef MAILROOM_COMMITTER_H
#define MAILROOM_COMMITTER_H
#include <node_api.h>

napi_value js_open_committer(napi_env env, napi_callback_info info);

#endif
