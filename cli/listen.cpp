// `ssetool listen`: not built yet (issue #7). It refuses to run rather than pretend to work.
#include "command.hpp"

namespace ssetool::cli {

Runner add_listen_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("listen", "Connect to an SSE endpoint and print or record its events");
  sub->allow_extras();
  return [] {
    print_error("listen", "not built yet in this version (see issue #7)");
    return kExitUsage;
  };
}

}  // namespace ssetool::cli
