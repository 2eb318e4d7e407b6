// The test support library in one include: everything an integration test needs to start ssetool, talk to it
// and check what it did. See each header for details and examples.
//   process.hpp          Process: a child program with collected stdout/stderr and bounded waits
//   process_state.hpp    process_state(), wait_dead(): /proc's view of a grandchild
//   temp_dir.hpp         TempDir: a private directory removed afterwards
//   ssetool_process.hpp  start_ssetool(), start_pipe(): the built binary, on port 0, with its port read back
//   raw_connection.hpp   RawConnection: exact bytes over TCP with deadlines
//   replay_fixtures.hpp  replay_sample(), start_replay(): sample recordings and `ssetool replay` on port 0
//   server_metrics.hpp   metric(), await_metric(): a server's /metrics, read and awaited
//   sse_client.hpp       SseClient: a strict SSE client; http_request() for short requests
//   fixture_server.hpp   FixtureServer: a scripted HTTP(S) server recording the requests it gets
//   certificate.hpp      make_self_signed_certificate(): a throw-away TLS certificate
//   redis_server.hpp     RedisServer: a real redis-server on a free port (backplane tests); free_tcp_port()
//   nginx_server.hpp     NginxServer: a real nginx load-balancing over ssetool nodes
//   mcp_requests.hpp     kMcpInitialize, mcp_post(), messages_of(), open_session(): raw MCP requests
//   mcp_streams.hpp      post_then_drop(), first_message(): a POST's stream dropped and resumed
#pragma once

#include "certificate.hpp"
#include "fixture_server.hpp"
#include "mcp_requests.hpp"
#include "mcp_streams.hpp"
#include "process.hpp"
#include "nginx_server.hpp"
#include "process_state.hpp"
#include "raw_connection.hpp"
#include "redis_server.hpp"
#include "replay_fixtures.hpp"
#include "server_metrics.hpp"
#include "sse_client.hpp"
#include "ssetool_process.hpp"
#include "temp_dir.hpp"
