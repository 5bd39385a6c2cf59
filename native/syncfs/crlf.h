// LF -> CRLF conversion of a message (crlf.c).
#ifndef MAILROOM_CRLF_H
#define MAILROOM_CRLF_H
#include <node_api.h>

napi_value js_crlf(napi_env env, napi_callback_info info);

#endif
