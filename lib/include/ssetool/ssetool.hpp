// The ssetool library's public API: an embedded Server-Sent Events server in the words of Ktor's SSE plugin
// (App, sse(), SseSession, Task, heartbeat, serialize, broadcast). Link ssetool::ssetool (CMake) or `pkg-config
// ssetool`. See docs/library.md.
#pragma once

#include "ssetool/app/app.hpp"
#include "ssetool/app/feed.hpp"
#include "ssetool/app/sse_session.hpp"
#include "ssetool/app/task.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/request.hpp"
