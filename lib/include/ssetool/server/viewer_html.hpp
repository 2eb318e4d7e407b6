// The viewer page's HTML, CSS and JavaScript: one self-contained document (no external resources) with two
// placeholders that viewer_page.cpp fills in for each response.
#pragma once

#include <string_view>

namespace ssetool {

// Replaced by the Content-Security-Policy nonce (hex digits only) wherever it appears.
inline constexpr std::string_view kViewerNoncePlaceholder = "@SSETOOL_NONCE@";
// Replaced once by the page's configuration: a JSON object made safe to sit inside a <script> element,
// {"path": "<the stream path, percent-encoded>"}.
inline constexpr std::string_view kViewerConfigPlaceholder = "@SSETOOL_CONFIG@";

// The page with both placeholders still in it.
std::string_view viewer_html_template();

}  // namespace ssetool
