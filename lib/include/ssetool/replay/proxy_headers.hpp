// Which headers `replay --record-from` passes on: the client's request headers to the upstream, and the upstream's
// response headers back to the client. Hop-by-hop headers (RFC 9110 7.6.1: Connection and the headers it names,
// Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade) describe one connection and stay behind; so do the
// headers the forwarding side sets itself (Host, Content-Length; on the way back Content-Type, the framing and
// caching headers replay's server sets). The request asks for an identity encoding, so that what is relayed and
// recorded is the event stream itself.
#pragma once

#include "ssetool/wire/headers.hpp"

namespace ssetool {

// The client's headers as sent to the upstream (Authorization included: it is forwarded, never written to disk).
Headers upstream_request_headers(const Headers& from_client);

// The upstream's response headers as sent back to the client.
Headers client_response_headers(const Headers& from_upstream);

}  // namespace ssetool
