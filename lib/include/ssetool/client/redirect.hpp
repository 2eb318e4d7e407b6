// What a client needs to follow a redirect itself: where the Location header points (resolved against the URL
// that answered), whether that is still the same origin (scheme, host and port), and the method and body of
// the next request.
//
//   ssetool::Url next = ssetool::resolve_location(parse_url("http://a:1/x/y"), "../z?q");  // http://a:1/z?q
//   bool keep_credentials = ssetool::same_origin(original, next);
#pragma once

#include <string>
#include <string_view>

#include "ssetool/client/url.hpp"

namespace ssetool {

inline constexpr int kMaxRedirects = 20;

// 301, 302, 303, 307 and 308.
bool is_redirect_status(int status);

// The URL a Location header names: absolute (http or https), scheme-relative ("//host/p"), absolute-path
// ("/p") or relative to the directory of `base`'s path. Throws InvalidUrl for anything else.
Url resolve_location(const Url& base, std::string_view location);

// Same scheme, host (case-insensitive) and port.
bool same_origin(const Url& a, const Url& b);

// scheme://authority/target
std::string url_text(const Url& url);

// The method of the request that follows a redirect: 303 turns anything but GET and HEAD into GET, and 301
// and 302 turn POST into GET (as browsers and curl do); 307 and 308 keep the method. The body goes with the
// method: when it changes, the body is dropped.
std::string redirected_method(int status, const std::string& method);

}  // namespace ssetool
