// Placeholder until the viewer page lands: answers 404 rather than pretend.
#include "viewer_page.hpp"

namespace ssetool::cli {

Reply viewer_reply(const std::string& events_path) {
  return Reply::text(404, "the viewer page is not built yet; the event stream is at " + events_path + "\n");
}

}  // namespace ssetool::cli
