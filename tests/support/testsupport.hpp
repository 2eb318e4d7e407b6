// The test support library in one include: everything an integration test needs to start ssetool, talk to it
// and check what it did. See each header for details and examples.
//   process.hpp          Process: a child program with collected stdout/stderr and bounded waits
//   temp_dir.hpp         TempDir: a private directory removed afterwards
//   ssetool_process.hpp  start_ssetool(): the built binary, on port 0, with its port read back
//   raw_connection.hpp   RawConnection: exact bytes over TCP with deadlines
//   sse_client.hpp       SseClient: a strict SSE client; http_request() for short requests
//   fixture_server.hpp   FixtureServer: a scripted HTTP(S) server recording the requests it gets
//   certificate.hpp      make_self_signed_certificate(): a throw-away TLS certificate
#pragma once

#include "certificate.hpp"
#include "fixture_server.hpp"
#include "process.hpp"
#include "raw_connection.hpp"
#include "server_metrics.hpp"
#include "sse_client.hpp"
#include "ssetool_process.hpp"
#include "temp_dir.hpp"
