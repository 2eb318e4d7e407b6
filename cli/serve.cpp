// `ssetool serve`: not built yet (issue #6). It refuses to run rather than pretend to work.
#include "command.hpp"

namespace ssetool::cli {

Runner add_serve_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("serve", "Run a command per connection; its output is that client's stream");
  sub->allow_extras();
  return [] {
    print_error("serve", "not built yet in this version (see issue #6)");
    return kExitUsage;
  };
}

}  // namespace ssetool::cli
